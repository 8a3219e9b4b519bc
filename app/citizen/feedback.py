"""The reporter's verdict on a finished complaint: confirm the fix, or reopen it."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from sqlalchemy.orm import Session

from app.citizen.reporter import check_reporter_token
from app.errors import ApiError
from app.models import Complaint
from app.models import ComplaintEvent
from app.status import Actor
from app.status import change_status
from app.status import lock_complaint

log = logging.getLogger(__name__)

REASON_MIN = 5
REASON_MAX = 1000
RATINGS = range(1, 6)


def parse_rating(value: object) -> int | None:
    """Return a rating from 1 to 5, or None when none was given.

    Form fields arrive as strings, JSON as numbers; both are accepted.

    Raises:
        ApiError: 400 invalid_rating for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in RATINGS:
        return value
    raise ApiError(
        400, "invalid_rating",
        "Nilai harus bilangan bulat 1 sampai 5.",
        "The rating must be a whole number from 1 to 5.",
        field="rating", value=value if isinstance(value, (int, str)) else repr(value),
    )


def reopen_deadline(complaint: Complaint, window_days: int) -> datetime | None:
    """Return the last moment the reporter may reopen a selesai complaint, else None."""
    if complaint.status != "selesai" or complaint.finished_at is None:
        return None
    return complaint.finished_at + timedelta(days=window_days)


def confirm_fixed(
    session: Session,
    complaint_id: int,
    *,
    token: str | None,
    rating: int | None,
    at: datetime | None = None,
) -> ComplaintEvent:
    """Record that the reporter confirms the fix, with an optional rating.

    Raises:
        ApiError: wrong token (403); the complaint is not selesai or was
            confirmed already (409).
    """
    complaint = lock_complaint(session, complaint_id)
    check_reporter_token(complaint, token)
    _require_unconfirmed_selesai(complaint)

    at = at or datetime.now(timezone.utc)
    complaint.confirmed_at = at
    if rating is not None:
        complaint.rating = rating
    event = ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at, kind="confirm",
        actor_kind="citizen", to_status=complaint.status, is_public=True,
    )
    session.add(event)
    session.flush()
    log.info("complaint id %d confirmed by its reporter", complaint.id)
    return event


def reopen_complaint(
    session: Session,
    complaint_id: int,
    *,
    token: str | None,
    reason: object,
    rating: int | None,
    window_days: int,
    at: datetime | None = None,
) -> ComplaintEvent:
    """Put a selesai complaint back to proses for the same OPD, with a reason.

    Raises:
        ApiError: 403 for a wrong token. 400 for a missing or too long reason.
            409 when the complaint is not selesai, was confirmed, or its reopen
            window of window_days days has passed.
    """
    complaint = lock_complaint(session, complaint_id)
    check_reporter_token(complaint, token)
    _require_unconfirmed_selesai(complaint)
    reason = _check_reason(reason)

    at = at or datetime.now(timezone.utc)
    deadline = reopen_deadline(complaint, window_days)
    if deadline is not None and at > deadline:
        raise _window_closed(complaint, window_days)
    if rating is not None:
        complaint.rating = rating
    return change_status(
        session, complaint.id, "proses", actor=Actor("citizen"), note=reason,
        expected_status="selesai", at=at,
    )


def _require_unconfirmed_selesai(complaint: Complaint) -> None:
    code = complaint.tracking_code
    if complaint.status != "selesai":
        raise ApiError(
            409, "not_finished",
            f"Aduan {code} berstatus {complaint.status}, belum selesai. Konfirmasi "
            "atau pembukaan kembali hanya untuk aduan yang selesai.",
            f"Complaint {code} is {complaint.status}, not selesai. Only a finished "
            "complaint can be confirmed or reopened.",
            field="status", value=complaint.status,
        )
    if complaint.confirmed_at is not None:
        raise ApiError(
            409, "already_confirmed",
            f"Aduan {code} sudah Anda konfirmasi selesai. Jika masalah muncul lagi, "
            "kirim aduan baru.",
            f"You already confirmed complaint {code} as fixed. If the problem "
            "returns, file a new complaint.",
            field="status", value=complaint.status,
        )


def _check_reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < REASON_MIN:
        raise ApiError(
            400, "reason_required",
            f"Tuliskan alasan membuka kembali aduan, minimal {REASON_MIN} karakter.",
            f"Write why you reopen the complaint, at least {REASON_MIN} characters.",
            field="reason", value=len(text),
        )
    if len(text) > REASON_MAX:
        raise ApiError(
            400, "reason_too_long",
            f"Alasan terlalu panjang: {len(text)} karakter, maksimal {REASON_MAX}.",
            f"The reason is too long: {len(text)} characters, at most {REASON_MAX}.",
            field="reason", value=len(text),
        )
    return text


def _window_closed(complaint: Complaint, window_days: int) -> ApiError:
    code = complaint.tracking_code
    return ApiError(
        409, "reopen_window_closed",
        f"Aduan {code} selesai lebih dari {window_days} hari yang lalu dan tidak dapat "
        "dibuka kembali. Jika masalah muncul lagi, kirim aduan baru.",
        f"Complaint {code} was finished more than {window_days} days ago and can no "
        "longer be reopened. If the problem returns, file a new complaint.",
        field="status", value=complaint.status,
    )
