"""Feature modules that add commands to `aduan`; importing each registers its commands."""

from __future__ import annotations

from importlib import import_module

CLI_MODULES = (
    "app.cli.importer",
    "app.cli.users",
    "app.cli.complaints_crew",
    "app.cli.demo",
)

for _name in CLI_MODULES:
    import_module(_name)
