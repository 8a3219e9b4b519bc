"""The public history of a complaint as the status page shows it.

Only events marked public appear. Actor labels and staff ids are never read,
and notes pass through the personal-number mask, which hides phone numbers,
NIK and e-mail addresses.

NOTE: a name that staff type into a public note is shown as written; only the
crew pages can prevent that.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from flask import url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.complaint_public import STATUS_LABELS
from app.masking import mask_personal_numbers
from app.models import Area
from app.models import Complaint
from app.models import ComplaintEvent
from app.models import Opd
from app.queries.nearby import PhotoRow
from app.queries.nearby import find_photos

PUBLIC_PHOTO_KINDS = ("report", "progress", "result")
# Event kinds whose note is written by a person for the public to read.
KINDS_WITH_NOTE = frozenset({"status", "reroute", "note", "reopen"})


@dataclass(frozen=True)
class PhotoLink:
    """A photo of a complaint as the page links it."""

    url: str
    kind: str
    width: int
    height: int


@dataclass
class HistoryEntry:
    """One line of the public history."""

    occurred_at: datetime
    kind: str
    title: str
    note: str | None = None
    photos: list[PhotoLink] = field(default_factory=list)


@dataclass
class PublicHistory:
    """The history entries, oldest first, and photos that belong to no entry."""

    entries: list[HistoryEntry]
    loose_photos: list[PhotoLink]


def complaint_history(
    session: Session, complaint: Complaint, language: str
) -> PublicHistory:
    """Build the public history of a complaint, with its photos unless confidential."""
    events = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.is_public)
        .order_by(ComplaintEvent.occurred_at, ComplaintEvent.id)
    ).all()
    opd_names = _opd_names(session, events)
    area_names = _area_names(session, complaint, events)
    entries = {
        event.id: _entry(event, opd_names, area_names, language) for event in events
    }

    loose: list[PhotoLink] = []
    if not complaint.confidential:
        rows = find_photos(session.connection(), [complaint.id], PUBLIC_PHOTO_KINDS)
        for row in rows:
            link = _photo_link(row)
            entry = entries.get(row.event_id) if row.event_id else None
            (entry.photos if entry else loose).append(link)
    return PublicHistory(list(entries.values()), loose)


def status_label(status: str | None, language: str) -> str:
    """Return the status name shown to people: Menunggu, Proses, Selesai, Ditolak."""
    if status is None:
        return ""
    return STATUS_LABELS[status][1 if language == "en" else 0]


def _opd_names(session: Session, events) -> dict[int, str]:
    ids = {e.from_opd_id for e in events} | {e.to_opd_id for e in events}
    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(select(Opd.id, Opd.name).where(Opd.id.in_(ids))).all()
    return dict(rows)


def _entry(
    event: ComplaintEvent, opd_names: dict[int, str], area_names: dict[str, str],
    language: str,
) -> HistoryEntry:
    note = mask_personal_numbers(event.note) if event.kind in KINDS_WITH_NOTE else None
    return HistoryEntry(
        occurred_at=event.occurred_at,
        kind=event.kind,
        title=_title(event, opd_names, area_names, language),
        note=note,
    )


def _settled_code(event: ComplaintEvent) -> str:
    """Return the kelurahan code of an area_resolved event, noted as "old -> new"."""
    return (event.note or "").rsplit("->", 1)[-1].strip()


def _area_names(session: Session, complaint: Complaint, events) -> dict[str, str]:
    codes = {_settled_code(e) for e in events if e.kind == "area_resolved"}
    codes.discard("")
    if not codes or complaint.boundary_version_id is None:
        return {}
    rows = session.execute(
        select(Area.code, Area.name).where(
            Area.boundary_version_id == complaint.boundary_version_id,
            Area.code.in_(codes),
        )
    ).all()
    return dict(rows)


def _area_title(event: ComplaintEvent, area_names: dict[str, str]) -> str:
    name = area_names.get(_settled_code(event))
    if name is None:
        return gettext("The area of the complaint was settled")
    if event.actor_kind == "citizen":
        return gettext("The reporter placed the problem in %(area)s", area=name)
    return gettext("The area of the complaint was settled as %(area)s", area=name)


def _title(event: ComplaintEvent, opd_names: dict[int, str],
           area_names: dict[str, str], language: str) -> str:
    to_opd = opd_names.get(event.to_opd_id, "")
    from_opd = opd_names.get(event.from_opd_id, "")
    if event.kind == "created":
        return gettext("Complaint received and sent to %(opd)s", opd=to_opd)
    if event.kind == "status":
        return gettext(
            "Status changed from %(old)s to %(new)s",
            old=status_label(event.from_status, language),
            new=status_label(event.to_status, language),
        )
    if event.kind == "reroute":
        return gettext("Handed from %(old)s to %(new)s", old=from_opd, new=to_opd)
    if event.kind == "area_resolved":
        return _area_title(event, area_names)
    return _SIMPLE_TITLES.get(event.kind, lambda: gettext("Update"))()


_SIMPLE_TITLES = {
    "note": lambda: gettext("Progress note"),
    "photo": lambda: gettext("Photo added"),
    "support": lambda: gettext("Another resident supports this complaint"),
    "confirm": lambda: gettext("The reporter confirmed that the problem is fixed"),
    "reopen": lambda: gettext("The reporter reopened the complaint"),
    "assign": lambda: gettext("A field officer was assigned"),
}


def _photo_link(row: PhotoRow) -> PhotoLink:
    return PhotoLink(
        url=url_for("citizen.photo", name=row.stored_name),
        kind=row.kind,
        width=row.width,
        height=row.height,
    )
