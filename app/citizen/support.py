"""Support an open complaint instead of filing a duplicate of it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from flask import session as cookie_session
from sqlalchemy.orm import Session

from app.errors import ApiError
from app.intake_request import EMAIL
from app.intake_request import NAME_MAX
from app.intake_request import PHONE
from app.models import OPEN_STATUSES
from app.models import ComplaintEvent
from app.models import ComplaintSupporter
from app.status import lock_complaint

log = logging.getLogger(__name__)

# Complaints one browser has supported, remembered in its signed session cookie
# so that a reload or a second click does not count the same person twice.
SUPPORTED_KEY = "supported_complaints"
SUPPORTED_REMEMBERED = 50


@dataclass(frozen=True)
class SupporterContact:
    """The optional contact a supporter leaves to hear about progress."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: bool = False

    @property
    def has_contact(self) -> bool:
        return bool(self.name or self.phone or self.email)


def parse_supporter(body: dict) -> SupporterContact:
    """Check a supporter's optional name, phone and e-mail and their consent.

    Form fields and JSON bodies both work: consent may be a bool or "on"/"true".

    Raises:
        ApiError: a bad phone number or e-mail, or contact without consent (400).
    """
    name = _optional_text(body.get("name"), "name", NAME_MAX)
    phone = _optional_text(body.get("phone"), "phone", 32)
    email = _optional_text(body.get("email"), "email", 254)
    if phone is not None:
        phone = re.sub(r"[\s().-]", "", phone)
        if not PHONE.match(phone):
            raise ApiError(
                400, "invalid_phone",
                "Nomor telepon tidak valid: tulis 8-15 angka, misalnya 0812xxxxxxx.",
                "The phone number is invalid: write 8-15 digits, e.g. 0812xxxxxxx.",
                field="phone",
            )
    if email is not None and not EMAIL.match(email):
        raise ApiError(400, "invalid_email", "Alamat email tidak valid.",
                       "The e-mail address is invalid.", field="email")
    consent = body.get("consent") in (True, "on", "true", "1")
    if (name or phone or email) and not consent:
        raise ApiError(
            400, "consent_required",
            "Centang persetujuan penggunaan data pribadi, atau kosongkan nama, "
            "telepon dan email.",
            "Tick the consent to the use of personal data, or leave name, phone "
            "and e-mail empty.",
            field="consent",
        )
    return SupporterContact(name, phone, email, consent)


def support_complaint(
    session: Session,
    complaint_id: int,
    contact: SupporterContact,
    *,
    at: datetime | None = None,
) -> int:
    """Count one more supporter of an open complaint; the caller commits.

    Writes a complaint_supporter row (with the contact, if any) and a public
    complaint_event of kind support.

    Returns:
        The complaint's new support_count.

    Raises:
        ApiError: 409 complaint_closed when the complaint is no longer open.
    """
    complaint = lock_complaint(session, complaint_id)
    if complaint.status not in OPEN_STATUSES:
        code = complaint.tracking_code
        raise ApiError(
            409, "complaint_closed",
            f"Aduan {code} berstatus {complaint.status} dan tidak dapat didukung lagi. "
            "Jika masalahnya masih ada, kirim aduan baru.",
            f"Complaint {code} is {complaint.status} and can no longer be supported. "
            "If the problem persists, file a new complaint.",
            field="status", value=complaint.status,
        )

    at = at or datetime.now(timezone.utc)
    complaint.support_count += 1
    session.add(ComplaintSupporter(
        complaint_id=complaint.id, created_at=at, name=contact.name,
        phone=contact.phone, email=contact.email,
        consent_at=at if contact.has_contact else None,
    ))
    session.add(ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at, kind="support",
        actor_kind="citizen", is_public=True,
    ))
    session.flush()
    log.info("complaint id %d supported, now %d supporters", complaint.id,
             complaint.support_count)
    return complaint.support_count


def _optional_text(value: object, field: str, maximum: int) -> str | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if not isinstance(value, str) or "\x00" in value:
        raise ApiError(400, f"invalid_{field}", f"Kolom {field} harus berupa teks.",
                       f"The {field} field must be text.", field=field)
    value = value.strip()
    if len(value) > maximum:
        raise ApiError(
            400, f"{field}_too_long",
            f"Kolom {field} terlalu panjang: {len(value)} karakter, "
            f"maksimal {maximum}.",
            f"The {field} field is too long: {len(value)} characters, "
            f"at most {maximum}.",
            field=field, value=len(value),
        )
    return value


def check_not_supported_yet(complaint_id: int, tracking_code: str) -> None:
    """Raise 409 already_supported if this browser supported the complaint before.

    The check relies on the session cookie, so it stops repeated clicks, not a
    determined person who clears cookies.
    """
    if complaint_id in cookie_session.get(SUPPORTED_KEY, []):
        raise ApiError(
            409, "already_supported",
            f"Anda sudah mendukung aduan {tracking_code}. Terima kasih.",
            f"You already support complaint {tracking_code}. Thank you.",
            field="support",
        )


def remember_supported(complaint_id: int) -> None:
    """Note in the session cookie that this browser supported the complaint."""
    supported = list(cookie_session.get(SUPPORTED_KEY, []))
    cookie_session[SUPPORTED_KEY] = (supported + [complaint_id])[-SUPPORTED_REMEMBERED:]
