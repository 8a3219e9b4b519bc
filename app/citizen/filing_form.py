"""Turn the filing page's HTML form into the JSON body that intake checks."""

from __future__ import annotations

import math

from werkzeug.datastructures import MultiDict

from app.coordinates import parse_coordinate
from app.errors import ApiError

TEXT_FIELDS = ("category", "description", "address_note", "name", "phone", "email")
BOOLEAN_FIELDS = ("consent", "confidential")
# Page anchor of the error of each API field. Errors of other fields go to the top.
FIELD_ANCHORS = {
    "lat": "location", "lon": "location", "accuracy_m": "location",
    "location_source": "location", "category": "category",
    "description": "description", "address_note": "address_note", "name": "name",
    "phone": "phone", "email": "email", "consent": "consent",
    "confidential": "confidential", "photo": "photo",
}
PAGE_SOURCES = ("gps", "map_pin", "typed")


def body_from_form(form: MultiDict) -> dict:
    """Build the complaint body from form fields, dropping the empty ones.

    Coordinates may use a decimal comma (-6,17), as Indonesian keyboards type them.

    Raises:
        ApiError: lat, lon or accuracy_m is not a number.
    """
    body: dict = {}
    for field in TEXT_FIELDS:
        value = form.get(field, "").strip()
        if value:
            body[field] = value
    for field in BOOLEAN_FIELDS:
        body[field] = form.get(field) in ("on", "true", "1")

    lat = _number(form.get("lat"), "lat")
    lon = _number(form.get("lon"), "lon")
    if lat is not None or lon is not None:
        body["lat"], body["lon"] = lat, lon
        source = form.get("location_source")
        body["location_source"] = source if source in PAGE_SOURCES else "typed"
        accuracy = _number(form.get("accuracy_m"), "accuracy_m")
        if accuracy is not None and body["location_source"] == "gps":
            body["accuracy_m"] = accuracy
    return body


def anchor_of(error: ApiError) -> str:
    """Return the form field next to which an API error is shown, or "form"."""
    return FIELD_ANCHORS.get(error.field or "", "form")


def _number(raw: str | None, field: str) -> float | None:
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip().replace("\u2212", "-")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        return number
    if field == "accuracy_m":
        raise ApiError(400, "invalid_accuracy_m", "Akurasi lokasi harus angka meter.",
                       "The location accuracy must be a number of metres.",
                       field=field, value=raw)
    # parse_coordinate raises the project's message for a value that is not a number.
    return parse_coordinate(field, raw)
