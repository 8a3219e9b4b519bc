"""Accept photo uploads from citizens and attach stored photos to their complaints.

The filing page uploads a photo as soon as the person picks it, so a bad file is
reported while the rest of the form is still being filled in. The upload is
stored under a random name and attached once the complaint exists.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from pathlib import Path

from PIL import Image
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.citizen.settings import PHOTO_MAX_PIXELS
from app.citizen.settings import PHOTO_MAX_SIDE
from app.citizen.settings import REPORT_PHOTOS_MAX
from app.errors import ApiError
from app.models import OPEN_STATUSES
from app.models import Complaint
from app.models import ComplaintEvent
from app.models import ComplaintPhoto
from app.photos import PhotoError
from app.photos import process_photo
from app.photos import store_photo

log = logging.getLogger(__name__)

# store_photo names files secrets.token_urlsafe(16) + ".jpg": 22 URL-safe characters.
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{22}\.jpg$")


@dataclass(frozen=True)
class StoredUpload:
    """A checked, re-encoded photo written to the upload folder."""

    name: str
    width: int
    height: int
    byte_size: int


def photo_api_error(error: PhotoError) -> ApiError:
    """Build the API error for a rejected photo, pointing at the photo field."""
    return ApiError(
        error.status,
        error.code,
        error.message_id,
        error.message_en,
        field="photo",
        value=error.value,
    )


def accept_upload(data: bytes, upload_dir: Path, max_bytes: int) -> StoredUpload:
    """Check and re-encode an uploaded photo, then store it under a random name.

    Raises:
        ApiError: the photo is empty, too large, not JPEG/PNG/WebP or damaged.
    """
    # NOTE: an upload that is never attached stays in upload_dir, and uploads
    # are not rate-limited; a periodic clean-up of old unattached files is missing.
    try:
        photo = process_photo(
            data, max_bytes=max_bytes, max_pixels=PHOTO_MAX_PIXELS,
            max_side=PHOTO_MAX_SIDE,
        )
    except PhotoError as error:
        log.info("photo upload rejected: %s", error.code)
        raise photo_api_error(error) from error
    name = store_photo(photo, upload_dir)
    return StoredUpload(name, photo.width, photo.height, len(photo.data))


def check_stored_name(name: object) -> str:
    """Return name if it has the form of a stored photo's file name.

    Raises:
        ApiError: 400 invalid_photo otherwise.
    """
    if isinstance(name, str) and STORED_NAME.match(name):
        return name
    raise ApiError(
        400,
        "invalid_photo",
        "Nama foto tidak valid. Unggah foto lagi.",
        "The photo name is invalid. Upload the photo again.",
        field="photo",
    )


def attach_report_photo(
    session: Session,
    complaint: Complaint,
    name: str,
    upload_dir: Path,
    *,
    at: datetime | None = None,
) -> ComplaintPhoto:
    """Attach an uploaded photo to an open complaint as a report photo.

    Writes a complaint_photo row and a complaint_event of kind photo; the caller
    checks the reporter token and commits.

    Raises:
        ApiError: the name is malformed or unknown (400), the photo is attached
            already, the complaint is closed or has its maximum of photos (409).
    """
    name = check_stored_name(name)
    path = upload_dir / name
    if not path.is_file():
        raise _photo_missing(name)
    _check_can_attach(session, complaint, name)

    with Image.open(path) as image:
        width, height = image.size
    event = ComplaintEvent(
        complaint_id=complaint.id,
        occurred_at=at or datetime.now(timezone.utc),
        kind="photo",
        actor_kind="citizen",
        is_public=not complaint.confidential,
    )
    session.add(event)
    session.flush()
    photo = ComplaintPhoto(
        complaint_id=complaint.id, event_id=event.id, kind="report", stored_name=name,
        content_type="image/jpeg", width=width, height=height,
        byte_size=path.stat().st_size,
    )
    session.add(photo)
    session.flush()
    log.info("photo %s attached to complaint id %d", name, complaint.id)
    return photo


def _check_can_attach(session: Session, complaint: Complaint, name: str) -> None:
    code = complaint.tracking_code
    if complaint.status not in OPEN_STATUSES:
        raise ApiError(
            409, "complaint_closed",
            f"Aduan {code} berstatus {complaint.status}; foto tidak dapat ditambahkan.",
            f"Complaint {code} is {complaint.status}; no photo can be added.",
            field="photo",
        )
    attached = session.scalar(
        select(func.count()).where(ComplaintPhoto.stored_name == name)
    )
    if attached:
        raise ApiError(
            409, "photo_already_attached",
            "Foto ini sudah terpasang pada sebuah aduan. Unggah foto lagi.",
            "This photo is already attached to a complaint. Upload the photo again.",
            field="photo",
        )
    count = session.scalar(
        select(func.count()).where(
            ComplaintPhoto.complaint_id == complaint.id, ComplaintPhoto.kind == "report"
        )
    )
    if count >= REPORT_PHOTOS_MAX:
        raise ApiError(
            409, "too_many_photos",
            f"Aduan {code} sudah memiliki {count} foto; batasnya {REPORT_PHOTOS_MAX}.",
            f"Complaint {code} already has {count} photos; the limit is "
            f"{REPORT_PHOTOS_MAX}.",
            field="photo", value=count,
        )


def _photo_missing(name: str) -> ApiError:
    return ApiError(
        400,
        "photo_not_found",
        "Foto yang diunggah tidak ditemukan lagi. Unggah foto lagi.",
        "The uploaded photo can no longer be found. Upload the photo again.",
        field="photo",
        value=name,
    )


def find_photo_visibility(session: Session, name: str) -> bool | None:
    """Return whether a stored photo may be shown publicly, or None if unattached.

    A photo is public when its complaint is not confidential.
    """
    confidential = session.execute(
        select(Complaint.confidential)
        .join(ComplaintPhoto, ComplaintPhoto.complaint_id == Complaint.id)
        .where(ComplaintPhoto.stored_name == name)
    ).scalar_one_or_none()
    return None if confidential is None else not confidential
