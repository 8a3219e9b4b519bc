"""The feature blueprints of the application, in registration order.

Each feature adds its blueprint's module here; app.web registers them.
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint

FEATURE_MODULES = (
    "app.citizen",
    "app.auth",
    "app.crew",
    "app.admin",
    "app.open311",
    "app.planner",
)

# Header links: (endpoint, English label); a link shows once its endpoint exists.
NAV_LINKS = (
    ("citizen.file", "Report a problem"),
    ("citizen.public_map", "Complaint map"),
    ("citizen.track", "Track a complaint"),
    ("crew.tasks", "For staff"),
    ("planner.dashboard", "Figures and maps"),
)


def blueprints() -> list[Blueprint]:
    """Import each feature module and return its blueprint `bp`."""
    return [import_module(name).bp for name in FEATURE_MODULES]
