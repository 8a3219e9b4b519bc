"""Exports of the filtered complaints as CSV and GeoJSON, public fields only.

CSV text cells that a spreadsheet would read as a formula (starting with =,
+, -, @, tab or carriage return) get a leading apostrophe. Numbers written
by this module, such as coordinates, stay numbers. GeoJSON follows RFC 7946:
WGS 84 longitude and latitude, a point per complaint, and a null geometry
for a complaint without a location.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from collections.abc import Iterator

from flask import Response
from flask import stream_with_context

from app.complaint_public import iso_in_zone
from app.config import City
from app.i18n import current_language
from app.masking import mask_personal_numbers
from app.planner.blueprint import bp
from app.planner.blueprint import request_filter
from app.planner.blueprint import utc_now
from app.queries.exports import PublicComplaintRow
from app.queries.exports import iter_public_complaints
from app.queries.stats import AnalysisFilter
from app.services import Services
from app.services import services

log = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ROWS_PER_CHUNK = 500


def spreadsheet_safe(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def public_properties(row: PublicComplaintRow, city: City, language: str) -> dict:
    """Collect the exported fields of one complaint, keyed by column, in order."""
    properties = {
        "tracking_code": row.tracking_code,
        "category_code": row.category_code,
        "category_name": row.category_name_en
        if language == "en"
        else row.category_name_id,
        "status": row.status,
        "received_at": iso_in_zone(row.received_at, city.timezone),
        "due_at": iso_in_zone(row.due_at, city.timezone),
        "finished_at": iso_in_zone(row.finished_at, city.timezone),
        "status_changed_at": iso_in_zone(row.status_changed_at, city.timezone),
    }
    if city.parent_level is not None:
        properties[f"{city.parent_level.key}_code"] = row.parent_area_code
        properties[f"{city.parent_level.key}_name"] = row.parent_area_name
    properties[f"{city.leaf_level.key}_code"] = row.area_code
    properties[f"{city.leaf_level.key}_name"] = row.area_name
    properties.update(
        opd_code=row.opd_code,
        opd_name=row.opd_name,
        location_source=row.location_source,
        description_withheld=row.withheld,
        description=None if row.withheld else mask_personal_numbers(row.description),
        support_count=row.support_count,
        reopen_count=row.reopen_count,
    )
    return properties


def csv_chunks(
    rows: Iterable[PublicComplaintRow], city: City, language: str
) -> Iterator[str]:
    """Write the complaints as CSV text, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header_written = False
    for count, row in enumerate(rows, start=1):
        properties = public_properties(row, city, language)
        if not header_written:
            writer.writerow([*properties.keys(), "lat", "lon"])
            header_written = True
        cells = [spreadsheet_safe(value) for value in properties.values()]
        cells += [_coordinate(row.lat), _coordinate(row.lon)]
        writer.writerow(["" if cell is None else cell for cell in cells])
        if count % _ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    if not header_written:
        writer.writerow(["tracking_code"])
    yield _drain(buffer)


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def geojson_chunks(
    rows: Iterable[PublicComplaintRow], city: City, language: str
) -> Iterator[str]:
    """Write the complaints as an RFC 7946 FeatureCollection of points."""
    yield '{"type":"FeatureCollection","features":['
    parts = []
    for count, row in enumerate(rows):
        geometry = None
        if row.lon is not None:
            geometry = {
                "type": "Point",
                "coordinates": [round(row.lon, 6), round(row.lat, 6)],
            }
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": public_properties(row, city, language),
        }
        parts.append(("," if count else "") + json.dumps(feature, ensure_ascii=False))
        if len(parts) == _ROWS_PER_CHUNK:
            yield "".join(parts)
            parts = []
    yield "".join(parts) + "]}"


def _stream_rows(
    app_services: Services, analysis_filter: AnalysisFilter
) -> Iterator[PublicComplaintRow]:
    """Yield the rows from a session of their own, which lives as long as the stream.

    The request's session is closed when the view returns, before a streamed
    body is written.
    """
    with app_services.new_session() as session:
        yield from iter_public_complaints(session.connection(), analysis_filter)


def _export(chunks, extension: str, mimetype: str) -> Response:
    analysis_filter = request_filter()
    app_services = services()
    city = app_services.city
    rows = _stream_rows(app_services, analysis_filter)
    stamp = utc_now().strftime("%Y%m%d")
    filename = f"aduan-{city.code}-{stamp}.{extension}"
    log.info("export of complaints as %s started", extension)
    response = Response(
        stream_with_context(chunks(rows, city, current_language())), mimetype=mimetype
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/planner/export.csv")
def export_csv():
    """Download the filtered complaints as CSV."""
    return _export(csv_chunks, "csv", "text/csv")


@bp.get("/planner/export.geojson")
def export_geojson():
    """Download the filtered complaints as GeoJSON points."""
    return _export(geojson_chunks, "geojson", "application/geo+json")
