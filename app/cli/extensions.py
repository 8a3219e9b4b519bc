"""Feature modules that add commands to `aduan`; importing each registers its commands."""

from __future__ import annotations

from importlib import import_module

CLI_MODULES = (
    "app.cli.importer",
)

for _name in CLI_MODULES:
    import_module(_name)
