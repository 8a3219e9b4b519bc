"""ORM classes mapped onto the tables that the migrations create."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import SmallInteger
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

STATUSES = ("menunggu", "proses", "selesai", "ditolak")
OPEN_STATUSES = ("menunggu", "proses")
LOCATION_SOURCES = ("gps", "map_pin", "typed", "import")


class Base(DeclarativeBase):
    pass


class City(Base):
    __tablename__ = "city"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(Text)
    levels: Mapped[list] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class BoundaryVersion(Base):
    __tablename__ = "boundary_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    sources: Mapped[list] = mapped_column(JSONB)
    checksum: Mapped[str] = mapped_column(Text)
    report: Mapped[dict] = mapped_column(JSONB, default=dict)
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)


class Area(Base):
    """A kecamatan, kelurahan or city outline of one boundary version."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boundary_version_id: Mapped[int] = mapped_column(ForeignKey("boundary_version.id"))
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    level: Mapped[str] = mapped_column(Text)
    rank: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(Text)
    area_m2: Mapped[float] = mapped_column(Float)
    # Deferred: complaints load their areas eagerly, and the outlines are large.
    geom = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), deferred=True
    )


class Opd(Base):
    """An agency (organisasi perangkat daerah) that acts on complaints."""

    __tablename__ = "opd"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(Text)
    kecamatan_code: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    code: Mapped[str] = mapped_column(Text)
    group_code: Mapped[str] = mapped_column(Text)
    name_id: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    route_to_kecamatan: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_working_days: Mapped[int] = mapped_column(Integer)
    location_required: Mapped[bool] = mapped_column(Boolean)
    private_by_nature: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    opd: Mapped[Opd] = relationship(lazy="joined")


class ServiceArea(Base):
    __tablename__ = "service_area"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Complaint(Base):
    """A service request: public fields only, contact details are elsewhere."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"))
    tracking_code: Mapped[str] = mapped_column(Text, unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    description: Mapped[str] = mapped_column(Text)
    address_note: Mapped[str | None] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(Text, default="menunggu")
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    location_source: Mapped[str | None] = mapped_column(Text)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    parent_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    area_match: Mapped[str | None] = mapped_column(Text)
    area_distance_m: Mapped[float | None] = mapped_column(Float)
    near_border: Mapped[dict | None] = mapped_column(JSONB)
    near_border_resolved_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )
    boundary_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("boundary_version.id")
    )
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))
    routing_rule: Mapped[str] = mapped_column(Text)
    service_area_id: Mapped[int | None] = mapped_column(ForeignKey("service_area.id"))
    channel: Mapped[str] = mapped_column(Text, default="web")
    external_id: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    reporter_token_hash: Mapped[str | None] = mapped_column(Text)

    category: Mapped[Category] = relationship(lazy="joined")
    opd: Mapped[Opd] = relationship(lazy="joined")
    area: Mapped[Area | None] = relationship(foreign_keys=[area_id], lazy="joined")
    parent_area: Mapped[Area | None] = relationship(
        foreign_keys=[parent_area_id], lazy="joined"
    )


class ComplaintContact(Base):
    """Private contact of the reporter; never part of a public output."""

    __tablename__ = "complaint_contact"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ComplaintEvent(Base):
    """One append-only history entry of a complaint."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    kind: Mapped[str] = mapped_column(Text)
    actor_kind: Mapped[str] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor_label: Mapped[str | None] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str | None] = mapped_column(Text)
    from_opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    to_opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    note: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)


class ComplaintPhoto(Base):
    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_event.id"))
    kind: Mapped[str] = mapped_column(Text)
    stored_name: Mapped[str] = mapped_column(Text, unique=True)
    content_type: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ComplaintSupporter(Base):
    __tablename__ = "complaint_supporter"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"

    city_code: Mapped[str] = mapped_column(ForeignKey("city.code"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"))
    reporter_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
