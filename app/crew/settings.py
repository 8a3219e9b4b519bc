"""Per-OPD settings of crew work, kept in the opd_crew_setting table."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from app.models import Base

log = logging.getLogger(__name__)

# Whether finishing a task needs a photo of the result, for OPDs without a row.
RESULT_PHOTO_REQUIRED_DEFAULT = True


class OpdCrewSetting(Base):
    """Crew work settings of one OPD. An OPD without a row uses the defaults."""

    __tablename__ = "opd_crew_setting"

    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), primary_key=True)
    result_photo_required: Mapped[bool] = mapped_column(
        Boolean, default=RESULT_PHOTO_REQUIRED_DEFAULT
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


def result_photo_required(session: Session, opd_id: int) -> bool:
    """Whether crews of this OPD must attach a result photo to finish a task."""
    value = session.scalar(
        select(OpdCrewSetting.result_photo_required).where(
            OpdCrewSetting.opd_id == opd_id
        )
    )
    return RESULT_PHOTO_REQUIRED_DEFAULT if value is None else value


def set_result_photo_required(session: Session, opd_id: int, required: bool) -> None:
    """Store whether this OPD requires a result photo. The caller commits."""
    statement = insert(OpdCrewSetting).values(
        opd_id=opd_id, result_photo_required=required
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[OpdCrewSetting.opd_id],
            set_={"result_photo_required": required, "updated_at": func.now()},
        )
    )
    log.info("OPD id %d: result photo required set to %s", opd_id, required)
