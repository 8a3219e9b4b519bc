"""The categories a citizen picks from, grouped as the filing page lists them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Category

# Group names for the group_code values of data/categories.csv.
GROUP_LABELS = {
    "infrastruktur": lazy_gettext("Roads, lights and drains"),
    "lingkungan": lazy_gettext("Environment and parks"),
    "ketertiban": lazy_gettext("Public order and parking"),
    "bencana": lazy_gettext("Floods and disasters"),
    "layanan": lazy_gettext("Public services (no map needed)"),
}


@dataclass(frozen=True)
class CategoryChoice:
    """One category as an option of the picker."""

    code: str
    name: str
    location_required: bool
    private_by_nature: bool


@dataclass(frozen=True)
class CategoryGroup:
    """Categories that share a group_code, under a readable label."""

    code: str
    label: str
    categories: list[CategoryChoice]


def find_categories(session: Session, city_code: str) -> list[Category]:
    """Return the city's active categories, ordered by group and code."""
    return list(
        session.scalars(
            select(Category)
            .where(Category.city_code == city_code, Category.active)
            .order_by(Category.group_code, Category.code)
        ).unique()
    )


def group_categories(categories: list[Category], language: str) -> list[CategoryGroup]:
    """Group categories for the picker: map-based groups first, then services.

    Groups appear in the order of GROUP_LABELS; unknown groups follow by code,
    and groups whose categories need no location come last.
    """
    groups: dict[str, list[CategoryChoice]] = {}
    for category in categories:
        name = category.name_en if language == "en" else category.name_id
        groups.setdefault(category.group_code, []).append(
            CategoryChoice(category.code, name, category.location_required,
                           category.private_by_nature)
        )
    known = list(GROUP_LABELS)

    def order(code: str) -> tuple:
        needs_map = any(choice.location_required for choice in groups[code])
        position = known.index(code) if code in known else len(known)
        return (not needs_map, position, code)

    return [
        CategoryGroup(code, str(GROUP_LABELS.get(code, code.capitalize())),
                      groups[code])
        for code in sorted(groups, key=order)
    ]
