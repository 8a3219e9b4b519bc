"""The public map of open and recently finished complaints, with clustered markers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import folium
from flask import url_for
from flask_babel import format_timedelta
from flask_babel import gettext
from folium.plugins import MarkerCluster
from geoalchemy2.shape import to_shape
from markupsafe import Markup
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.citizen.maps import js_safe_html
from app.citizen.settings import PUBLIC_MAP_MAX_MARKERS
from app.citizen.settings import RECENTLY_FINISHED_DAYS
from app.complaint_filters import ComplaintFilters
from app.complaint_public import STATUS_LABELS
from app.config import City
from app.masking import mask_personal_numbers
from app.models import OPEN_STATUSES
from app.models import Area
from app.models import Complaint
from app.models import Opd
from app.queries.complaints import filtered_complaints

# Marker colours by status; the legend on the page uses the same ones.
STATUS_COLORS = {
    "menunggu": "#b44d12",
    "proses": "#1f5fa8",
    "selesai": "#0b6e4f",
    "ditolak": "#616e7c",
}
POPUP_EXCERPT_MAX = 140


@dataclass(frozen=True)
class MapSelection:
    """The complaints drawn on the map, and whether more matched than are drawn."""

    complaints: list[Complaint]
    truncated: bool


def find_map_complaints(
    session: Session, city: City, filters: ComplaintFilters, now: datetime
) -> MapSelection:
    """Complaints with a location that match the filters, newest first.

    Without a status filter the map shows open complaints and those finished
    in the last RECENTLY_FINISHED_DAYS days.
    """
    statement = filtered_complaints(city.code, filters).where(
        Complaint.location.is_not(None)
    )
    if not filters.status:
        recent = now - timedelta(days=RECENTLY_FINISHED_DAYS)
        statement = statement.where(or_(
            Complaint.status.in_(OPEN_STATUSES),
            and_(Complaint.status == "selesai", Complaint.finished_at >= recent),
        ))
    rows = session.scalars(
        statement.order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(PUBLIC_MAP_MAX_MARKERS + 1)
    ).unique().all()
    return MapSelection(list(rows[:PUBLIC_MAP_MAX_MARKERS]),
                        len(rows) > PUBLIC_MAP_MAX_MARKERS)


def find_filter_choices(session: Session, city: City, version_id: int) -> dict:
    """Kecamatan, kelurahan and OPD options of the filter form."""
    areas = session.scalars(
        select(Area).where(Area.boundary_version_id == version_id, Area.rank > 0)
        .order_by(Area.rank, Area.name)
    ).all()
    opds = session.scalars(
        select(Opd).where(Opd.city_code == city.code, Opd.active).order_by(Opd.name)
    ).all()
    top_rank = 1
    return {
        "kecamatan": [a for a in areas if a.rank == top_rank and len(city.levels) == 2],
        "kelurahan": [a for a in areas if a.rank == len(city.levels)],
        "opd": opds,
    }


def add_complaint_markers(
    city_map: folium.Map, complaints: list[Complaint], language: str, now: datetime
) -> None:
    """Add one clustered circle marker per complaint, with an escaped popup."""
    cluster = MarkerCluster(
        name="complaints",
        options={"showCoverageOnHover": False, "maxClusterRadius": 45},
    ).add_to(city_map)
    for complaint in complaints:
        point = to_shape(complaint.location)
        category = complaint.category
        name = category.name_en if language == "en" else category.name_id
        folium.CircleMarker(
            location=(point.y, point.x),
            radius=9,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=STATUS_COLORS[complaint.status],
            fill_opacity=0.9,
            popup=folium.Popup(popup_html(complaint, language, now), max_width=280,
                               lazy=True),
            tooltip=folium.Tooltip(js_safe_html(name)),
        ).add_to(cluster)


def popup_html(complaint: Complaint, language: str, now: datetime) -> Markup:
    """Build a complaint marker's popup, every value escaped for folium's script."""
    category = complaint.category
    if complaint.confidential:
        description = Markup("<em>{}</em>").format(
            gettext("Description withheld: the reporter asked for confidentiality.")
        )
    else:
        description = _excerpt(mask_personal_numbers(complaint.description) or "")
    area = complaint.area.name if complaint.area is not None else ""
    html = Markup(
        '<div class="complaint-popup"><strong>{name}</strong><br>'
        '<span class="status-badge status-{status}">{label}</span> · {age}<br>'
        "{area}<p>{description}</p>"
        '<a href="{url}">{link}</a></div>'
    ).format(
        name=category.name_en if language == "en" else category.name_id,
        status=complaint.status,
        label=STATUS_LABELS[complaint.status][1 if language == "en" else 0],
        age=format_timedelta(complaint.received_at - now, add_direction=True),
        area=area,
        description=description,
        url=url_for("citizen.status", code=complaint.tracking_code),
        link=gettext("Status of %(code)s", code=complaint.tracking_code),
    )
    return js_safe_html(html)


def _excerpt(text: str) -> str:
    if len(text) <= POPUP_EXCERPT_MAX:
        return text
    return text[: POPUP_EXCERPT_MAX - 1].rstrip() + "…"
