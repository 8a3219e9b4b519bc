"""Import historical service requests from CSV files through the intake path.

Each row is placed and routed by `create_complaint` (channel "import") at its
original receipt time. Closed rows then go through `change_status` at their
closing time, so the history is the real one. Rows that cannot be imported are
reported one by one and never stop the import. Rows whose external id is
already stored are skipped, so running the same import again adds nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import math
import re
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import DataError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import City
from app.config import ConfigError
from app.errors import ApiError
from app.intake import create_complaint
from app.intake_request import ADDRESS_NOTE_MAX
from app.intake_request import DESCRIPTION_MAX
from app.intake_request import DESCRIPTION_MIN
from app.intake_request import ComplaintRequest
from app.models import STATUSES
from app.models import Category
from app.models import Complaint
from app.status import NOTE_MAX
from app.status import Actor
from app.status import change_status

log = logging.getLogger(__name__)

CHANNEL = "import"
IMPORT_ACTOR = Actor(kind="system", label="import")
CLOSED_STATUSES = ("selesai", "ditolak")
# Used for a rejected row when the file gives no closing note, because
# change_status requires a reason for ditolak.
DEFAULT_REJECTION_NOTE = (
    "Ditutup sebagai ditolak di sistem asal; alasan tidak tercatat."
)
# A closing at most this long before the opening is taken as a clock difference
# between source systems and moved to the opening time. Boston's 2015 export has
# internal cases closed up to 40 s before they were opened.
# NOTE: 5 minutes is a judgement that covers Boston; other sources may need more.
CLOCK_SKEW = timedelta(minutes=5)
# Two points closer than this, in degrees (about 1 cm), are the same point.
SAME_POINT_DEG = 1e-7
# Longer ids would not fit the unique index complaint_external_id comfortably,
# and no real source system uses them.
EXTERNAL_ID_MAX = 200
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

MAPPING_COLUMNS = (
    "id",
    "opened",
    "closed",
    "status",
    "category",
    "lat",
    "lon",
    "address",
    "closing_note",
)
REQUIRED_COLUMNS = ("id", "opened", "category")


@dataclass(frozen=True)
class ImportMapping:
    """Mapping of the columns and values of a source file onto complaints.

    Attributes:
        columns: our field (see MAPPING_COLUMNS) -> column name in the file.
        description: template such as "{TYPE}: {CASE_TITLE}"; each {COLUMN} is
            replaced by that column's value. Without it, the category value is used.
        status_map: file status value -> menunggu, proses, selesai or ditolak.
        category_map: file category value -> our category code.
        default_category: code for unmapped category values; None skips those rows.
        timezone: IANA zone of times written without an offset; None means the city's.
        time_format: strptime format of the times; None means ISO 8601.
        default_point: (lat, lon) that the source writes for an unknown location.
        id_prefix: put before every id, to keep ids of different sources apart.
    """

    columns: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    status_map: dict[str, str] = field(default_factory=dict)
    category_map: dict[str, str] = field(default_factory=dict)
    default_category: str | None = None
    timezone: str | None = None
    time_format: str | None = None
    default_point: tuple[float, float] | None = None
    id_prefix: str = ""


@dataclass(frozen=True)
class ImportRow:
    """One source row, checked and converted, ready to store."""

    line: int
    external_id: str
    received_at: datetime
    closed_at: datetime | None
    status: str
    request: ComplaintRequest
    closing_note: str | None
    source_category: str
    category_defaulted: bool = False
    at_default_point: bool = False


@dataclass(frozen=True)
class RowFailure:
    """A row that was not imported, with the reason code and a message."""

    line: int
    external_id: str | None
    reason: str
    message: str


class RowError(Exception):
    """A row cannot be imported; reason is a stable code such as invalid_lat."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class ImportResult:
    """Counts of one import run."""

    rows: int = 0
    imported: int = 0
    existing: int = 0
    failed: int = 0
    closed: int = 0
    without_location: int = 0
    default_point: int = 0
    reasons: Counter = field(default_factory=Counter)
    unmapped_categories: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


# -- The mapping -------------------------------------------------------------


def load_mapping(path: Path) -> ImportMapping:
    """Read a mapping from a TOML file ([columns], [status], [category] and keys).

    Raises:
        ConfigError: the file is missing, not TOML, or has unknown keys.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"Mapping file {path} not found.") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Mapping file {path} is not valid TOML: {error}") from error
    known = {
        "columns",
        "status",
        "category",
        "description",
        "default_category",
        "timezone",
        "time_format",
        "default_point",
        "id_prefix",
    }
    unknown = sorted(set(document) - known)
    if unknown:
        raise ConfigError(
            f"Mapping file {path} has unknown keys {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}."
        )
    columns = _table(document, "columns", path)
    bad_columns = sorted(set(columns) - set(MAPPING_COLUMNS))
    if bad_columns:
        raise ConfigError(
            f"Mapping file {path}: [columns] has unknown fields "
            f"{', '.join(bad_columns)}; known: {', '.join(MAPPING_COLUMNS)}."
        )
    point = document.get("default_point")
    return ImportMapping(
        columns=columns,
        description=document.get("description") or None,
        status_map=_table(document, "status", path),
        category_map=_table(document, "category", path),
        default_category=document.get("default_category") or None,
        timezone=document.get("timezone") or None,
        time_format=document.get("time_format") or None,
        default_point=parse_point(point, str(path)) if point is not None else None,
        id_prefix=str(document.get("id_prefix", "")),
    )


def _table(document: dict, key: str, path: Path) -> dict[str, str]:
    """Return a TOML table of text values, such as [columns], as a dict."""
    table = document.get(key, {})
    if not isinstance(table, dict) or not all(
        isinstance(value, str) for value in table.values()
    ):
        raise ConfigError(
            f"Mapping file {path}: {key} must be a table of text values, such as "
            f'[{key}] with lines like Open = "menunggu".'
        )
    return {str(name): value for name, value in table.items()}


def parse_point(value: object, where: str) -> tuple[float, float]:
    """Read a (lat, lon) pair from "42.3594,-71.0587" or [42.3594, -71.0587]."""
    parts = value.split(",") if isinstance(value, str) else value
    try:
        lat, lon = (float(part) for part in parts)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{where}: default point {value!r} is invalid; write "
            "LAT,LON, for example 42.3594,-71.0587."
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(
            f"{where}: default point {value!r} is out of range; write "
            "LAT,LON with the latitude first."
        )
    return lat, lon


def merge_mapping(
    base: ImportMapping,
    *,
    columns: dict[str, str | None],
    status_map: dict[str, str],
    category_map: dict[str, str],
    **values,
) -> ImportMapping:
    """Override a mapping with command-line values; None leaves a value as it is."""
    merged_columns = dict(base.columns)
    merged_columns.update({k: v for k, v in columns.items() if v})
    changes = {key: value for key, value in values.items() if value is not None}
    return replace(
        base,
        columns=merged_columns,
        status_map={**base.status_map, **status_map},
        category_map={**base.category_map, **category_map},
        **changes,
    )


def check_mapping(
    session: Session, city: City, mapping: ImportMapping, header: list[str]
) -> dict[str, Category]:
    """Check the mapping against the file's header and the city's categories.

    Returns:
        The city's active categories by code.

    Raises:
        ConfigError: a required column is unmapped or absent, a template names an
            absent column, or a status or category code is unknown.
    """
    missing = [name for name in REQUIRED_COLUMNS if not mapping.columns.get(name)]
    if missing:
        raise ConfigError(
            f"No column is given for {', '.join(missing)}; use "
            f"--{missing[0]}-column or the [columns] table of the mapping."
        )
    used = [column for column in mapping.columns.values()]
    used += PLACEHOLDER.findall(mapping.description or "")
    absent = sorted({column for column in used if column not in header})
    if absent:
        raise ConfigError(
            f"The file has no column {', '.join(map(repr, absent))}; its "
            f"columns are {', '.join(header)}."
        )
    bad_statuses = sorted(set(mapping.status_map.values()) - set(STATUSES))
    if bad_statuses:
        raise ConfigError(
            f"Status map values {', '.join(bad_statuses)} are invalid; "
            f"use {', '.join(STATUSES)}."
        )
    categories = {
        category.code: category
        for category in session.scalars(
            select(Category).where(Category.city_code == city.code, Category.active)
        )
    }
    mapped_codes = set(mapping.category_map.values())
    if mapping.default_category:
        mapped_codes.add(mapping.default_category)
    unknown = sorted(mapped_codes - set(categories))
    if unknown:
        raise ConfigError(
            f"Category codes {', '.join(unknown)} are not active in "
            f"{city.name}; known: {', '.join(sorted(categories))}."
        )
    if mapping.timezone:
        _zone(mapping.timezone)
    return categories


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"Time zone {name!r} is unknown; use an IANA name such as America/New_York."
        ) from None


# -- Reading rows --------------------------------------------------------------


def open_source(path: Path, encoding: str = "utf-8-sig") -> io.TextIOBase:
    """Open a CSV file, or a gzip-compressed one when the name ends in .gz."""
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def _cell(row: dict, mapping: ImportMapping, name: str) -> str:
    column = mapping.columns.get(name)
    return (row.get(column) or "").replace("\x00", "").strip() if column else ""


def _instant(raw: str, event: str, mapping: ImportMapping, zone: ZoneInfo) -> datetime:
    try:
        if mapping.time_format:
            instant = datetime.strptime(raw, mapping.time_format)
        else:
            instant = datetime.fromisoformat(raw)
    except ValueError:
        expected = mapping.time_format or "ISO 8601, e.g. 2015-01-31T08:30:00"
        raise RowError(
            f"invalid_{event}_time",
            f"{event} time {raw[:40]!r} is invalid; expected {expected}.",
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=zone)


def _point(
    row: dict, mapping: ImportMapping
) -> tuple[float | None, float | None, bool]:
    """Return (lat, lon, at_default_point); a default point counts as no location."""
    raw_lat, raw_lon = _cell(row, mapping, "lat"), _cell(row, mapping, "lon")
    if not raw_lat and not raw_lon:
        return None, None, False
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise RowError(
            "invalid_coordinates",
            f"coordinates ({raw_lat[:30]!r}, {raw_lon[:30]!r}) are not numbers.",
        )
    default = mapping.default_point
    if (
        default
        and abs(lat - default[0]) < SAME_POINT_DEG
        and abs(lon - default[1]) < SAME_POINT_DEG
    ):
        return None, None, True
    return lat, lon, False


def _category_code(
    value: str, mapping: ImportMapping, categories: dict
) -> tuple[str | None, bool]:
    """Return (category code, whether it is the default for an unmapped value)."""
    if value in mapping.category_map:
        return mapping.category_map[value], False
    folded = value.casefold()
    for key, code in mapping.category_map.items():
        if key.strip().casefold() == folded:
            return code, False
    if value in categories:
        return value, False
    return mapping.default_category, mapping.default_category is not None


def _status(raw: str, closed_at: datetime | None, mapping: ImportMapping) -> str:
    if not mapping.columns.get("status"):
        return "selesai" if closed_at else "menunggu"
    folded = {
        key.strip().casefold(): value for key, value in mapping.status_map.items()
    }
    status = mapping.status_map.get(raw) or folded.get(raw.casefold())
    if status is None and raw in STATUSES:
        status = raw
    if status is None:
        raise RowError(
            "unmapped_status",
            f"status {raw[:40]!r} has no mapping; add it to the status map.",
        )
    return status


def _description(row: dict, mapping: ImportMapping, source_category: str) -> str:
    if mapping.description:
        text = PLACEHOLDER.sub(
            lambda m: (row.get(m.group(1)) or "").strip(), mapping.description
        )
    else:
        text = source_category
    text = " ".join(text.replace("\x00", "").split())
    if len(text) < DESCRIPTION_MIN:
        text = source_category or text
    if len(text) > DESCRIPTION_MAX:
        text = text[: DESCRIPTION_MAX - 1] + "…"
    return text


def parse_row(
    row: dict,
    line: int,
    mapping: ImportMapping,
    zone: ZoneInfo,
    categories: dict[str, Category],
    now: datetime,
) -> ImportRow:
    """Check and convert one source row.

    Raises:
        RowError: the row lacks an id or times, or has values that do not map.
    """
    external_id = _cell(row, mapping, "id")
    if not external_id:
        raise RowError("missing_id", "the id column is empty.")
    if len(external_id) > EXTERNAL_ID_MAX:
        raise RowError(
            "invalid_id",
            f"the id has {len(external_id)} characters; at most {EXTERNAL_ID_MAX} "
            "are allowed.",
        )
    raw_opened = _cell(row, mapping, "opened")
    if not raw_opened:
        raise RowError("missing_opened_time", "the opened time is empty.")
    received_at = _instant(raw_opened, "opened", mapping, zone)
    if received_at > now:
        raise RowError(
            "opened_in_future", f"opened time {raw_opened!r} is in the future."
        )
    raw_closed = _cell(row, mapping, "closed")
    closed_at = _instant(raw_closed, "closed", mapping, zone) if raw_closed else None
    status = _status(_cell(row, mapping, "status"), closed_at, mapping)
    if status in CLOSED_STATUSES:
        if closed_at is None:
            raise RowError(
                "missing_closed_time",
                f"status {status} needs a closed time, and the row has none.",
            )
        if closed_at < received_at - CLOCK_SKEW or closed_at > now:
            raise RowError(
                "invalid_closed_time",
                f"closed time {raw_closed!r} is before the opened time or in "
                "the future.",
            )
        closed_at = max(closed_at, received_at)
    else:
        closed_at = None

    source_category = _cell(row, mapping, "category")
    code, defaulted = _category_code(source_category, mapping, categories)
    if code is None:
        raise RowError(
            "unmapped_category",
            f"category {source_category[:80]!r} has no "
            "mapping and no default category is set.",
        )
    lat, lon, at_default = _point(row, mapping)
    request = ComplaintRequest(
        category=code,
        description=_description(row, mapping, source_category),
        lat=lat,
        lon=lon,
        location_source="import" if lat is not None else None,
        address_note=_cell(row, mapping, "address")[:ADDRESS_NOTE_MAX] or None,
    )
    return ImportRow(
        line,
        mapping.id_prefix + external_id,
        received_at,
        closed_at,
        status,
        request,
        _cell(row, mapping, "closing_note")[:NOTE_MAX] or None,
        source_category,
        defaulted,
        at_default,
    )


def read_rows(
    handle: io.TextIOBase, limit: int | None = None
) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Return the header and an iterator of (line number, row) pairs."""
    reader = csv.DictReader(handle)
    header = list(reader.fieldnames or [])

    def rows() -> Iterator[tuple[int, dict]]:
        for count, row in enumerate(reader, start=1):
            if limit is not None and count > limit:
                return
            yield reader.line_num, row

    return header, rows()


# -- Storing rows ----------------------------------------------------------------


def store_row(session: Session, city: City, item: ImportRow) -> Complaint:
    """Create the complaint and replay its status changes at their real times."""
    # NOTE: a row costs 15 to 20 SQL statements (locating, routing, events). An
    # import therefore runs at tens of rows per second. Locating a batch would help.
    created = create_complaint(
        session,
        city,
        item.request,
        channel=CHANNEL,
        received_at=item.received_at,
        external_id=item.external_id,
    )
    complaint = created.complaint
    if item.status in ("proses", "selesai"):
        at = item.closed_at if item.status == "selesai" else item.received_at
        change_status(session, complaint.id, "proses", actor=IMPORT_ACTOR, at=at)
    if item.status == "selesai":
        change_status(
            session,
            complaint.id,
            "selesai",
            actor=IMPORT_ACTOR,
            note=item.closing_note,
            at=item.closed_at,
        )
    elif item.status == "ditolak":
        change_status(
            session,
            complaint.id,
            "ditolak",
            actor=IMPORT_ACTOR,
            note=item.closing_note or DEFAULT_REJECTION_NOTE,
            at=item.closed_at,
        )
    return complaint


def find_existing_ids(
    session: Session, city: City, external_ids: list[str]
) -> set[str]:
    """External ids of earlier imports; the index complaint_external_id serves this."""
    if not external_ids:
        return set()
    return set(
        session.scalars(
            select(Complaint.external_id).where(
                Complaint.city_code == city.code,
                Complaint.channel == CHANNEL,
                Complaint.external_id.in_(external_ids),
            )
        )
    )


def _store_batch(session, city, batch, result, seen, on_failure) -> None:
    existing = find_existing_ids(session, city, [item.external_id for item in batch])
    for item in batch:
        if item.external_id in seen:
            _fail(
                result,
                on_failure,
                RowFailure(
                    item.line,
                    item.external_id,
                    "duplicate_id",
                    "the id appears earlier in this file.",
                ),
            )
            continue
        seen.add(item.external_id)
        if item.external_id in existing:
            result.existing += 1
            continue
        try:
            with session.begin_nested():
                store_row(session, city, item)
        except ApiError as error:
            _fail(result, on_failure, _api_failure(item, error))
            continue
        except (IntegrityError, DataError) as error:
            reason = (
                "duplicate_id" if isinstance(error, IntegrityError) else "invalid_value"
            )
            _fail(
                result,
                on_failure,
                RowFailure(
                    item.line, item.external_id, reason, str(error.orig).splitlines()[0]
                ),
            )
            continue
        result.imported += 1
        result.closed += item.status in CLOSED_STATUSES
        result.without_location += item.request.lat is None


def _api_failure(item: ImportRow, error: ApiError) -> RowFailure:
    if error.code == "location_required" and item.at_default_point:
        return RowFailure(
            item.line,
            item.external_id,
            "default_point",
            f"the row is at the default point, which counts as no location, and the "
            f"category {item.request.category} needs a location.",
        )
    return RowFailure(item.line, item.external_id, error.code, error.message_en)


def _fail(result: ImportResult, on_failure, failure: RowFailure) -> None:
    result.failed += 1
    result.reasons[failure.reason] += 1
    on_failure(failure)


def import_file(
    session: Session,
    city: City,
    path: Path,
    mapping: ImportMapping,
    *,
    batch_size: int = 500,
    limit: int | None = None,
    dry_run: bool = False,
    encoding: str = "utf-8-sig",
    on_failure: Callable[[RowFailure], None] = lambda failure: None,
) -> ImportResult:
    """Import one CSV (or .csv.gz) file into the city, committing every batch_size rows.

    With dry_run, every batch is rolled back instead, so the checks and counts
    are real but nothing stays.

    Raises:
        ConfigError: the mapping does not fit the file or the city, or the file
            is not CSV text in the given encoding. Batches committed before a
            broken line stay; running the import again skips them.
    """
    started = time.perf_counter()
    zone = _zone(mapping.timezone or city.timezone)
    result = ImportResult()
    try:
        with open_source(path, encoding) as handle:
            header, rows = read_rows(handle, limit)
            categories = check_mapping(session, city, mapping, header)
            _import_rows(
                session,
                city,
                path,
                rows,
                mapping,
                zone,
                categories,
                result,
                batch_size,
                dry_run,
                on_failure,
                started,
            )
    except csv.Error as error:
        raise ConfigError(
            f"{path} is not valid CSV after data row {result.rows}: {error}."
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path} is not {encoding} text after data row {result.rows}; "
            "give its encoding with --encoding."
        ) from error
    except FileNotFoundError as error:
        raise ConfigError(f"File {path} not found.") from error
    result.seconds = time.perf_counter() - started
    _log_progress(path, result, started)
    return result


def _import_rows(
    session,
    city,
    path,
    rows,
    mapping,
    zone,
    categories,
    result,
    batch_size,
    dry_run,
    on_failure,
    started,
) -> None:
    seen: set[str] = set()
    batch: list[ImportRow] = []
    for line, row in rows:
        result.rows += 1
        item = _parse(row, line, mapping, zone, categories, result, on_failure)
        if item is not None:
            batch.append(item)
        if len(batch) >= batch_size:
            _finish_batch(session, city, batch, result, seen, on_failure, dry_run)
            _log_progress(path, result, started)
            batch = []
    _finish_batch(session, city, batch, result, seen, on_failure, dry_run)


def _parse(
    row, line, mapping, zone, categories, result, on_failure
) -> ImportRow | None:
    now = datetime.now(timezone.utc)
    try:
        item = parse_row(row, line, mapping, zone, categories, now)
    except RowError as error:
        if error.reason == "unmapped_category":
            result.unmapped_categories[_cell(row, mapping, "category")] += 1
        _fail(
            result,
            on_failure,
            RowFailure(
                line, _cell(row, mapping, "id") or None, error.reason, error.message
            ),
        )
        return None
    if item.category_defaulted:
        result.unmapped_categories[item.source_category] += 1
    result.default_point += item.at_default_point
    return item


def _finish_batch(session, city, batch, result, seen, on_failure, dry_run) -> None:
    if batch:
        _store_batch(session, city, batch, result, seen, on_failure)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    session.expunge_all()


def _log_progress(path: Path, result: ImportResult, started: float) -> None:
    elapsed = time.perf_counter() - started
    log.info(
        "import of %s: %d rows read, %d imported, %d already stored, %d failed "
        "(%.0f rows/s)",
        path.name,
        result.rows,
        result.imported,
        result.existing,
        result.failed,
        result.rows / elapsed if elapsed > 0 else 0.0,
    )
