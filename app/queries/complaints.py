"""Queries over complaints for public lists, maps and exports."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from app.complaint_filters import ComplaintFilters
from app.models import Area
from app.models import Category
from app.models import Complaint
from app.models import Opd


def filtered_complaints(city_code: str, filters: ComplaintFilters) -> Select:
    """SELECT of complaints matching the filters; complaint_location_gist serves bbox."""
    statement = select(Complaint).where(Complaint.city_code == city_code)
    if filters.category:
        statement = statement.join(Category, Category.id == Complaint.category_id).where(
            Category.code == filters.category)
    if filters.status:
        statement = statement.where(Complaint.status.in_(filters.status))
    if filters.opd:
        statement = statement.join(Opd, Opd.id == Complaint.opd_id).where(
            Opd.code == filters.opd)
    if filters.kelurahan:
        kelurahan = aliased(Area)
        statement = statement.join(kelurahan, kelurahan.id == Complaint.area_id).where(
            kelurahan.code == filters.kelurahan)
    if filters.kecamatan:
        kecamatan = aliased(Area)
        statement = statement.join(
            kecamatan, kecamatan.id == Complaint.parent_area_id).where(
            kecamatan.code == filters.kecamatan)
    if filters.bbox:
        west, south, east, north = filters.bbox
        envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
        statement = statement.where(Complaint.location.op("&&")(envelope))
    if filters.received_from:
        statement = statement.where(Complaint.received_at >= filters.received_from)
    if filters.received_before:
        statement = statement.where(Complaint.received_at < filters.received_before)
    return statement


def find_page(session: Session, city_code: str, filters: ComplaintFilters, page: int,
              page_size: int) -> tuple[list[Complaint], int]:
    """Return one page of complaints, newest first, and the total count."""
    statement = filtered_complaints(city_code, filters)
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    items = session.scalars(
        statement.order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).unique().all()
    return list(items), total


def find_by_tracking_code(session: Session, city_code: str, code: str) -> Complaint | None:
    return session.scalars(
        select(Complaint).where(and_(Complaint.city_code == city_code,
                                     Complaint.tracking_code == code.strip().upper()))
    ).unique().one_or_none()


FIND_UNKNOWN_CODE = {
    "category": "SELECT NOT EXISTS (SELECT 1 FROM category WHERE city_code = :city "
                "AND code = :code)",
    "opd": "SELECT NOT EXISTS (SELECT 1 FROM opd WHERE city_code = :city AND code = :code)",
    "kecamatan": "SELECT NOT EXISTS (SELECT 1 FROM area WHERE city_code = :city "
                 "AND code = :code AND rank = 1)",
    "kelurahan": "SELECT NOT EXISTS (SELECT 1 FROM area WHERE city_code = :city "
                 "AND code = :code AND rank = 2)",
}


def find_unknown_filter(session: Session, city_code: str,
                        filters: ComplaintFilters) -> tuple[str, str] | None:
    """Return (parameter, value) of the first filter code the city does not have."""
    for parameter, query in FIND_UNKNOWN_CODE.items():
        value = getattr(filters, parameter)
        if value and session.execute(text(query), {"city": city_code,
                                                   "code": value}).scalar():
            return parameter, value
    return None
