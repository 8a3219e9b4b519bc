"""The filing page: GET shows the form, POST files a complaint without JavaScript.

With JavaScript the page posts JSON to /api/complaints itself; the form POST
here is the fallback and takes the same fields.
"""

from __future__ import annotations

import logging
import uuid

from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext

from app.citizen import bp
from app.citizen.catalog import find_categories
from app.citizen.catalog import group_categories
from app.citizen.filing_form import anchor_of
from app.citizen.filing_form import body_from_form
from app.citizen.maps import embed_map
from app.citizen.maps import new_map
from app.citizen.outlines import current_outlines
from app.citizen.uploads import accept_upload
from app.citizen.uploads import attach_report_photo
from app.citizen.uploads import check_stored_name
from app.errors import ApiError
from app.i18n import current_language
from app.intake import create_complaint
from app.intake_request import ADDRESS_NOTE_MAX
from app.intake_request import DESCRIPTION_MAX
from app.intake_request import DESCRIPTION_MIN
from app.intake_request import parse_complaint_request
from app.services import db_session
from app.services import services

log = logging.getLogger(__name__)


@bp.get("/")
def file():
    """Show the filing form."""
    return _render_form({}, {})


@bp.post("/")
def file_submit():
    """File a complaint from the plain form, or show it again with the errors."""
    values = request.form.to_dict()
    errors: dict[str, ApiError] = {}
    photo_name = _photo_from_request(values, errors)
    try:
        complaint_request = parse_complaint_request(body_from_form(request.form))
    except ApiError as error:
        errors.setdefault(anchor_of(error), error)
    if errors:
        log.info("filing form rejected: %s", ", ".join(e.code for e in errors.values()))
        return _render_form(values, errors, photo_name), _status_of(errors)

    session = db_session()
    settings = services().settings
    try:
        created = create_complaint(
            session, services().city, complaint_request, channel="web",
            idempotency_key=values.get("idempotency_key") or None,
        )
        if photo_name and not created.replayed:
            attach_report_photo(session, created.complaint, photo_name,
                                settings.upload_dir)
        session.commit()
    except ApiError as error:
        session.rollback()
        log.info("filing form rejected: %s (field %s)", error.code, error.field)
        errors[anchor_of(error)] = error
        return _render_form(values, errors, photo_name), error.status

    code = created.complaint.tracking_code
    return redirect(
        url_for("citizen.status", code=code, token=created.reporter_token, baru=1),
        303,
    )


def _photo_from_request(values: dict, errors: dict) -> str | None:
    """Store a newly chosen photo, or keep the one stored by an earlier attempt."""
    upload = request.files.get("photo")
    settings = services().settings
    if upload is not None and upload.filename:
        try:
            return accept_upload(upload.read(), settings.upload_dir,
                                 settings.photo_max_bytes).name
        except ApiError as error:
            errors["photo"] = error
            return None
    earlier = values.get("photo_upload")
    if not earlier:
        return None
    try:
        name = check_stored_name(earlier)
    except ApiError as error:
        errors["photo"] = error
        return None
    return name if (settings.upload_dir / name).is_file() else None


def _status_of(errors: dict[str, ApiError]) -> int:
    return max(error.status for error in errors.values())


def _render_form(
    values: dict, errors: dict[str, ApiError], photo_name: str | None = None
):
    language = current_language()
    session = db_session()
    city = services().city
    settings = services().settings
    outlines = current_outlines(session, city)
    map_parts = embed_map(new_map(settings, outlines.bounds))
    values = {"idempotency_key": str(uuid.uuid4()), **values}
    suggestion = next(
        (e.details.get("suggestion") for e in errors.values() if e.details), None
    )
    return render_template(
        "citizen/file.html",
        groups=group_categories(find_categories(session, city.code), language),
        values=values,
        errors={anchor: error.message(language) for anchor, error in errors.items()},
        suggestion=suggestion,
        photo_name=photo_name,
        map_parts=map_parts,
        outlines_url=url_for("citizen.outlines", v=outlines.version_id),
        limits={
            "description_min": DESCRIPTION_MIN,
            "description_max": DESCRIPTION_MAX,
            "address_note_max": ADDRESS_NOTE_MAX,
            "photo_max_bytes": settings.photo_max_bytes,
            "photo_max_mb": _megabytes(settings.photo_max_bytes),
        },
        js_messages=_js_messages(city),
    )


def _megabytes(size: int) -> str:
    text = f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language() == "id" else text


def _js_messages(city) -> dict:
    """Texts the page's script shows, in the page's language."""
    english = current_language() == "en"
    levels = {level.key: (level.name_en if english else level.name_id)
              for level in city.levels}
    return {
        "levels": levels,
        "locating": gettext("Looking up the area…"),
        "outside": gettext(
            "This point lies outside %(city)s, %(distance)s from the city boundary. "
            "Move the pin into the city.", city=city.name, distance="{distance}"),
        "gap": gettext("This point lies in no area; the nearest is %(area)s.",
                       area="{area}"),
        "near_border": gettext(
            "This point is close to a border. In which area is the problem?"),
        "located_here": gettext("%(area)s (where the pin is)", area="{area}"),
        "distance_away": gettext("%(area)s, %(distance)s away", area="{area}",
                                 distance="{distance}"),
        "accuracy": gettext("Location accuracy ±%(metres)s m", metres="{metres}"),
        "geo_unsupported": gettext(
            "This browser cannot share its location. Tap the map or type the "
            "coordinates."),
        "geo_denied": gettext(
            "Location access was refused. Allow it in the browser settings, or tap "
            "the map."),
        "geo_unavailable": gettext(
            "The location could not be determined. Try again outdoors, or tap the "
            "map."),
        "geo_timeout": gettext(
            "Finding the location took too long. Try again, or tap the map."),
        "geo_waiting": gettext("Finding your location…"),
        "nearby_title": gettext(
            "Similar open complaints within %(radius)s m", radius="{radius}"),
        "nearby_none": gettext(
            "No open complaint of this category within %(radius)s m.",
            radius="{radius}"),
        "nearby_distance": gettext("%(metres)s m from your pin", metres="{metres}"),
        "supporters": gettext("supporters: %(count)s", count="{count}"),
        "support": gettext("Support this complaint"),
        "supported": gettext(
            "Thank you. Your support for complaint %(code)s is counted "
            "(supporters so far: %(count)s). You need not send the form below.",
            count="{count}", code="{code}"),
        "view": gettext("View status"),
        "withheld": gettext("Description withheld: the reporter asked for "
                            "confidentiality."),
        "photo_uploading": gettext("Uploading the photo…"),
        "photo_ready": gettext("Photo ready to send."),
        "photo_too_large": gettext(
            "The photo is %(size)s MB, larger than the %(limit)s MB limit. Choose a "
            "smaller photo.", size="{size}", limit="{limit}"),
        "submitting": gettext("Sending the complaint…"),
        "check_fields": gettext("Please check the marked fields."),
        "network": gettext(
            "The server could not be reached. Check the connection and try again; "
            "nothing you typed is lost."),
        "use_suggestion": gettext("Use the point (%(lat)s, %(lon)s)",
                                  lat="{lat}", lon="{lon}"),
        "characters": gettext("%(count)s of %(max)s characters", count="{count}",
                              max="{max}"),
        "pin_needed": gettext("Mark the location on the map, or type its coordinates."),
        "category_needed": gettext("Choose a category."),
    }
