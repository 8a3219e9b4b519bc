"""The public complaint map, the outline GeoJSON the maps draw, and photo files."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for

from app.citizen import bp
from app.citizen.catalog import find_categories
from app.citizen.catalog import group_categories
from app.citizen.maps import embed_map
from app.citizen.maps import new_map
from app.citizen.outlines import current_outlines
from app.citizen.public_map import STATUS_COLORS
from app.citizen.public_map import add_complaint_markers
from app.citizen.public_map import find_filter_choices
from app.citizen.public_map import find_map_complaints
from app.citizen.settings import RECENTLY_FINISHED_DAYS
from app.citizen.uploads import STORED_NAME
from app.citizen.uploads import find_photo_visibility
from app.complaint_filters import ComplaintFilters
from app.complaint_filters import parse_filters
from app.complaint_public import STATUS_LABELS
from app.errors import ApiError
from app.i18n import current_language
from app.services import db_session
from app.services import services

# Browsers revalidate the outlines with their ETag after this many seconds.
OUTLINES_MAX_AGE_SECONDS = 24 * 60 * 60
PHOTO_MAX_AGE_SECONDS = 60 * 60
LIST_LIMIT = 50


@bp.get("/peta")
def public_map():
    """Open and recently finished complaints on a clustered map, with filters."""
    session = db_session()
    city = services().city
    language = current_language()
    filter_error = None
    try:
        filters = parse_filters(request.args, city.timezone)
    except ApiError as error:
        filters, filter_error = ComplaintFilters(), error

    now = datetime.now(timezone.utc)
    selection = find_map_complaints(session, city, filters, now)
    outlines = current_outlines(session, city)
    city_map = new_map(services().settings, outlines.bounds)
    add_complaint_markers(city_map, selection.complaints, language, now)

    return render_template(
        "citizen/public_map.html",
        map_parts=embed_map(city_map),
        outlines_url=url_for("citizen.outlines", v=outlines.version_id),
        selection=selection,
        listed=selection.complaints[:LIST_LIMIT],
        groups=group_categories(find_categories(session, city.code), language),
        choices=find_filter_choices(session, city, outlines.version_id),
        args=request.args,
        filter_error=filter_error.message(language) if filter_error else None,
        filter_field=filter_error.field if filter_error else None,
        status_labels={key: labels[1 if language == "en" else 0]
                       for key, labels in STATUS_LABELS.items()},
        status_colors=STATUS_COLORS,
        recent_days=RECENTLY_FINISHED_DAYS,
        api_url=url_for("complaints_api.index", **request.args),
    )


@bp.get("/peta/wilayah.geojson")
def outlines():
    """Simplified kecamatan and kelurahan outlines of the current boundary version."""
    current = current_outlines(db_session(), services().city)
    response = Response(current.body, mimetype="application/geo+json")
    response.set_etag(current.etag)
    response.cache_control.public = True
    response.cache_control.max_age = OUTLINES_MAX_AGE_SECONDS
    return response.make_conditional(request)


@bp.get("/foto/<name>")
def photo(name: str):
    """Send a stored complaint photo, unless its complaint is confidential.

    Unknown names, photos not attached to a complaint, and photos of
    confidential complaints are all 404, so the reply reveals nothing about them.
    """
    if not STORED_NAME.match(name):
        abort(404)
    if find_photo_visibility(db_session(), name) is not True:
        abort(404)
    response = send_from_directory(
        services().settings.upload_dir, name, mimetype="image/jpeg",
        max_age=PHOTO_MAX_AGE_SECONDS,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
