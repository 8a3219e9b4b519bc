"""SQL that reads the public fields of filtered complaints for CSV and GeoJSON exports.

Only public columns are selected: no contact, reporter token, staff or
assignment. The description of a confidential complaint, or of one in a
category that is private by nature, never leaves the database.
complaint_city_received serves the order and the period condition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.queries.stats import AnalysisFilter
from app.queries.stats import filter_conditions

BATCH_SIZE = 2000

_PUBLIC_COMPLAINTS = """
SELECT c.tracking_code, cat.code AS category_code, cat.name_id AS category_name_id,
       cat.name_en AS category_name_en, c.status, c.received_at, c.due_at,
       c.finished_at, c.status_changed_at,
       parent.code AS parent_area_code, parent.name AS parent_area_name,
       leaf.code AS area_code, leaf.name AS area_name,
       o.code AS opd_code, o.short_name AS opd_name,
       ST_X(c.location) AS lon, ST_Y(c.location) AS lat, c.location_source,
       (c.confidential OR cat.private_by_nature) AS withheld,
       CASE WHEN c.confidential OR cat.private_by_nature THEN NULL
            ELSE c.description END AS description,
       c.support_count, c.reopen_count
FROM complaint c
JOIN category cat ON cat.id = c.category_id
JOIN opd o ON o.id = c.opd_id
LEFT JOIN area leaf ON leaf.id = c.area_id
LEFT JOIN area parent ON parent.id = c.parent_area_id
WHERE {conditions}
ORDER BY c.received_at, c.id
"""


@dataclass(frozen=True)
class PublicComplaintRow:
    """The public fields of one complaint, as the exports write them."""

    tracking_code: str
    category_code: str
    category_name_id: str
    category_name_en: str
    status: str
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    status_changed_at: datetime
    parent_area_code: str | None
    parent_area_name: str | None
    area_code: str | None
    area_name: str | None
    opd_code: str
    opd_name: str
    lon: float | None
    lat: float | None
    location_source: str | None
    withheld: bool
    #: None when withheld; otherwise unmasked, so the writer must mask it.
    description: str | None
    support_count: int
    reopen_count: int


def iter_public_complaints(
    conn: Connection, analysis_filter: AnalysisFilter
) -> Iterator[PublicComplaintRow]:
    """Yield the filtered complaints in order of receipt, fetched in batches.

    The rows stream from a server-side cursor, so an export of every
    complaint does not load them all into memory.
    """
    conditions, params = filter_conditions(analysis_filter)
    result = conn.execution_options(stream_results=True, yield_per=BATCH_SIZE).execute(
        text(_PUBLIC_COMPLAINTS.format(conditions=conditions)), params
    )
    for row in result:
        yield PublicComplaintRow(*row)
