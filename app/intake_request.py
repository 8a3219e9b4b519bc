"""Validate the body of a new complaint before anything touches the database."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.coordinates import check_coordinate
from app.errors import ApiError
from app.models import LOCATION_SOURCES

DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 2000
ADDRESS_NOTE_MAX = 300
NAME_MAX = 100
ACCURACY_MAX_M = 10_000

FIELDS = (
    "category", "lat", "lon", "accuracy_m", "location_source", "description",
    "address_note", "name", "phone", "email", "consent", "confidential",
)
# Indonesian numbers: 08.., 628.. or +628.., and landlines such as 021...; 8-15 digits.
PHONE = re.compile(r"^\+?[0-9]{8,15}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class ComplaintRequest:
    """A checked complaint as a citizen, client or import submits it."""

    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_source: str | None = None
    address_note: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: bool = False
    confidential: bool = False

    @property
    def has_location(self) -> bool:
        return self.lat is not None

    @property
    def has_contact(self) -> bool:
        return bool(self.name or self.phone or self.email)


def _error(status, code, field, value, message_id, message_en) -> ApiError:
    return ApiError(status, code, message_id, message_en, field=field, value=value)


def _text(body: dict, field: str, maximum: int, *, required: bool = False,
          minimum: int = 0) -> str | None:
    value = body.get(field)
    if value is None or (isinstance(value, str) and value.strip() == "" and not required):
        if required:
            raise _error(400, f"missing_{field}", field, None,
                         f"Kolom {field} wajib diisi.", f"The {field} field is required.")
        return None
    if not isinstance(value, str):
        raise _error(400, f"invalid_{field}", field, value,
                     f"Kolom {field} harus berupa teks.", f"The {field} field must be text.")
    value = value.strip()
    if "\x00" in value:
        raise _error(400, f"invalid_{field}", field, None,
                     f"Kolom {field} berisi karakter yang tidak diizinkan.",
                     f"The {field} field contains a forbidden character.")
    if len(value) < minimum:
        raise _error(400, f"{field}_too_short", field, len(value),
                     f"Kolom {field} terlalu pendek: minimal {minimum} karakter.",
                     f"The {field} field is too short: at least {minimum} characters.")
    if len(value) > maximum:
        raise _error(400, f"{field}_too_long", field, len(value),
                     f"Kolom {field} terlalu panjang: {len(value)} karakter, "
                     f"maksimal {maximum}.",
                     f"The {field} field is too long: {len(value)} characters, "
                     f"at most {maximum}.")
    return value


def _boolean(body: dict, field: str) -> bool:
    value = body.get(field, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _error(400, f"invalid_{field}", field, value,
                     f"Kolom {field} harus true atau false.",
                     f"The {field} field must be true or false.")
    return value


def _location(body: dict) -> tuple[float | None, float | None]:
    lat, lon = body.get("lat"), body.get("lon")
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        missing = "lat" if lat is None else "lon"
        raise _error(400, "incomplete_location", missing, None,
                     "Isi lat dan lon bersama-sama, atau kosongkan keduanya.",
                     "Give both lat and lon, or neither.")
    # Range errors are raised later, where a swapped pair can be recognised.
    for field, value in (("lat", lat), ("lon", lon)):
        _require_finite_number(field, value)
    return float(lat), float(lon)


def _require_finite_number(field: str, value: object) -> None:
    """Raise the coordinate error for text, booleans, NaN and infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        check_coordinate(field, value)
    if not math.isfinite(value):
        check_coordinate(field, value)


def _accuracy(body: dict) -> float | None:
    value = body.get("accuracy_m")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        0 <= value <= ACCURACY_MAX_M
    ):
        raise _error(400, "invalid_accuracy_m", "accuracy_m", value,
                     f"accuracy_m harus angka dalam meter, 0 sampai {ACCURACY_MAX_M}.",
                     f"accuracy_m must be a number of metres from 0 to {ACCURACY_MAX_M}.")
    return float(value)


def _contact(body: dict) -> tuple[str | None, str | None, str | None]:
    name = _text(body, "name", NAME_MAX)
    phone = _text(body, "phone", 32)
    email = _text(body, "email", 254)
    if phone is not None:
        phone = re.sub(r"[\s().-]", "", phone)
        if not PHONE.match(phone):
            raise _error(400, "invalid_phone", "phone", None,
                         "Nomor telepon tidak valid: tulis 8-15 angka, misalnya 0812xxxxxxx.",
                         "The phone number is invalid: write 8-15 digits, e.g. 0812xxxxxxx.")
    if email is not None and not EMAIL.match(email):
        raise _error(400, "invalid_email", "email", None,
                     "Alamat email tidak valid.", "The e-mail address is invalid.")
    return name, phone, email


def parse_complaint_request(body: object) -> ComplaintRequest:
    """Check a JSON body field by field; raise ApiError naming the first bad field."""
    if not isinstance(body, dict):
        raise _error(400, "invalid_body", None, None,
                     "Isi permintaan harus objek JSON.", "The request body must be a JSON object.")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise _error(400, "unknown_field", unknown[0], unknown[0],
                     f"Kolom {unknown[0]!r} tidak dikenal. Kolom yang sah: {', '.join(FIELDS)}.",
                     f"Unknown field {unknown[0]!r}. Valid fields: {', '.join(FIELDS)}.")

    category = _text(body, "category", 64, required=True)
    lat, lon = _location(body)
    source = body.get("location_source")
    if lat is not None and source is None:
        source = "typed"
    if source is not None and source not in LOCATION_SOURCES:
        raise _error(400, "invalid_location_source", "location_source", source,
                     f"location_source harus salah satu dari: {', '.join(LOCATION_SOURCES)}.",
                     f"location_source must be one of: {', '.join(LOCATION_SOURCES)}.")
    if lat is None:
        source = None

    name, phone, email = _contact(body)
    consent = _boolean(body, "consent")
    if (name or phone or email) and not consent:
        raise _error(400, "consent_required", "consent", False,
                     "Centang persetujuan penggunaan data pribadi, atau kosongkan nama, "
                     "telepon dan email.",
                     "Tick the consent to the use of personal data, or leave name, phone "
                     "and e-mail empty.")
    return ComplaintRequest(
        category=category,
        description=_text(body, "description", DESCRIPTION_MAX, required=True,
                          minimum=DESCRIPTION_MIN),
        lat=lat,
        lon=lon,
        accuracy_m=_accuracy(body) if lat is not None else None,
        location_source=source,
        address_note=_text(body, "address_note", ADDRESS_NOTE_MAX),
        name=name,
        phone=phone,
        email=email,
        consent=consent,
        confidential=_boolean(body, "confidential"),
    )
