"""SQL behind the planners' figures: complaint filters and status counts from history.

Every figure is recomputed from complaint_event, so it can be checked against
the history. Figures at an instant count the complaints received by then. The
status of a complaint at an instant is the status set by its last created,
status, reopen or reroute event at or before that instant, and a reroute moves
an open complaint back to menunggu. A complaint with no event at all, such as
one imported without history, keeps the status of its row.

Indexes used: complaint_city_received for the period, complaint_event_complaint
for the history of the selected complaints.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.workdays import WorkingCalendar

log = logging.getLogger(__name__)

STATUS_KINDS = ("created", "status", "reopen", "reroute")


@dataclass(frozen=True)
class AnalysisFilter:
    """The complaints that a figure, map or export counts; empty tuples select all.

    ``statuses`` selects by the current status of the complaint row, and
    ``opds`` by the OPD that handles the complaint now. ``received_from`` is
    inclusive and ``received_until`` exclusive; both are timezone-aware.
    """

    city_code: str
    categories: tuple[str, ...] = ()
    opds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    received_from: dt.datetime | None = None
    received_until: dt.datetime | None = None


def disable_jit(conn: Connection) -> None:
    """Turn off JIT compilation for the rest of the transaction.

    PostgreSQL's JIT took 2 to 4 seconds to compile the expression-heavy
    aggregates of this package over a million complaints, longer than they ran
    without it (PostgreSQL 15, measured with bench/heatmap.py).
    """
    conn.execute(text("SET LOCAL jit = off"))


def filter_conditions(analysis_filter: AnalysisFilter) -> tuple[str, dict]:
    """Build the WHERE conditions for complaint ``c``; they need no other table.

    Returns:
        The conditions joined by AND, and their bound parameters.
    """
    conditions = ["c.city_code = :city_code"]
    params: dict = {"city_code": analysis_filter.city_code}
    if analysis_filter.categories:
        conditions.append(
            "c.category_id IN (SELECT k.id FROM category k "
            "WHERE k.city_code = :city_code "
            "AND k.code = ANY(CAST(:categories AS text[])))"
        )
        params["categories"] = list(analysis_filter.categories)
    if analysis_filter.opds:
        conditions.append(
            "c.opd_id IN (SELECT o.id FROM opd o WHERE o.city_code = :city_code "
            "AND o.code = ANY(CAST(:opds AS text[])))"
        )
        params["opds"] = list(analysis_filter.opds)
    if analysis_filter.statuses:
        conditions.append("c.status = ANY(CAST(:statuses AS text[]))")
        params["statuses"] = list(analysis_filter.statuses)
    if analysis_filter.kecamatan:
        # The kecamatan is the rank-1 area: the parent of a kelurahan, or the
        # complaint's own area in a city with one level.
        conditions.append(
            "EXISTS (SELECT 1 FROM area fa "
            "WHERE fa.id IN (c.area_id, c.parent_area_id) "
            "AND fa.rank = 1 AND fa.code = ANY(CAST(:kecamatan AS text[])))"
        )
        params["kecamatan"] = list(analysis_filter.kecamatan)
    if analysis_filter.received_from is not None:
        conditions.append("c.received_at >= :received_from")
        params["received_from"] = analysis_filter.received_from
    if analysis_filter.received_until is not None:
        conditions.append("c.received_at < :received_until")
        params["received_until"] = analysis_filter.received_until
    return " AND ".join(conditions), params


@dataclass(frozen=True)
class Figures:
    """The published figures of one group of complaints at one instant."""

    received: int
    menunggu: int
    proses: int
    selesai: int
    ditolak: int
    #: Past their due date without being finished or rejected by it.
    overdue: int
    #: Reopened at least once after selesai.
    reopened: int
    #: Median working days from receipt to the last selesai, over finished ones.
    median_working_days: float | None

    @property
    def share_finished(self) -> float | None:
        """Selesai divided by received, as the city publishes it; None when empty."""
        return self.selesai / self.received if self.received else None

    def as_json(self) -> dict:
        """Return the figures as a JSON object, with share_finished as a fraction."""
        return {
            "received": self.received,
            "menunggu": self.menunggu,
            "proses": self.proses,
            "selesai": self.selesai,
            "ditolak": self.ditolak,
            "share_finished": self.share_finished,
            "overdue": self.overdue,
            "reopened": self.reopened,
            "median_working_days": self.median_working_days,
        }


@dataclass(frozen=True)
class GroupFigures:
    """Figures of one OPD, kecamatan, kelurahan or month."""

    code: str | None
    name: str | None
    figures: Figures


@dataclass(frozen=True)
class CityFigures:
    """The dashboard: totals and breakdowns of the filtered complaints at ``as_of``."""

    as_of: dt.datetime
    total: Figures
    by_opd: list[GroupFigures] = field(default_factory=list)
    by_kecamatan: list[GroupFigures] = field(default_factory=list)
    by_month: list[GroupFigures] = field(default_factory=list)


def calendar_arrays(
    calendar: WorkingCalendar, first_day: dt.date, last_day: dt.date
) -> dict:
    """Build the working-day table that the SQL uses to count working days.

    For each day, ``cum`` is the number of working days from ``first_day`` up
    to and including it, and ``start_cum`` is ``cum`` of the complaint's start
    day (the next working day when the day itself is not one). The working days
    between receipt and finish are then ``cum[finish] - start_cum[receipt]``,
    which equals `WorkingCalendar.working_days_between`. The table runs one
    month past ``last_day`` so a start day after it is still found.
    """
    days: list[dt.date] = []
    cum: list[int] = []
    working: list[bool] = []
    count = 0
    day = first_day
    end = last_day + dt.timedelta(days=31)
    while day <= end:
        is_working = calendar.is_working_day(day)
        count += int(is_working)
        days.append(day)
        cum.append(count)
        working.append(is_working)
        day += dt.timedelta(days=1)
    start_cum = [
        value if ok else value + 1 for value, ok in zip(cum, working, strict=True)
    ]
    return {"days": days, "cum": cum, "start_cum": start_cum}


_PER_COMPLAINT = """
WITH selected AS (
    SELECT c.id, c.status, c.received_at, c.due_at, c.opd_id, c.area_id,
           c.parent_area_id
    FROM complaint c
    WHERE {conditions} AND c.received_at <= :as_of
),
history AS (
    SELECT e.complaint_id,
           (array_agg(coalesce(e.to_status, 'menunggu')
                      ORDER BY e.occurred_at DESC, e.id DESC)
               FILTER (WHERE e.kind = ANY(CAST(:status_kinds AS text[]))))[1]
               AS status,
           max(e.occurred_at) FILTER (WHERE e.to_status = 'selesai') AS finished_at,
           min(e.occurred_at) FILTER (WHERE e.to_status IN ('selesai', 'ditolak'))
               AS first_resolved_at,
           bool_or(e.kind = 'reopen'
                   OR (e.from_status = 'selesai' AND e.to_status = 'proses'))
               AS reopened,
           (array_agg(e.to_opd_id ORDER BY e.occurred_at DESC, e.id DESC)
               FILTER (WHERE e.to_opd_id IS NOT NULL))[1] AS opd_id
    FROM complaint_event e
    JOIN selected s ON s.id = e.complaint_id
    WHERE e.occurred_at <= :as_of
    GROUP BY e.complaint_id
),
calendar AS (
    SELECT day, cum, start_cum
    FROM unnest(CAST(:days AS date[]), CAST(:cum AS int[]),
                CAST(:start_cum AS int[])) AS t(day, cum, start_cum)
),
per_complaint AS (
    SELECT s.id,
           coalesce(h.status, s.status) AS status,
           coalesce(h.opd_id, s.opd_id) AS opd_id,
           coalesce(s.parent_area_id, s.area_id) AS kecamatan_area_id,
           s.area_id,
           to_char(s.received_at AT TIME ZONE :timezone, 'YYYY-MM') AS month,
           coalesce(h.reopened, false) AS reopened,
           s.due_at < :as_of
               AND (h.first_resolved_at IS NULL OR h.first_resolved_at > s.due_at)
               AS overdue,
           CASE WHEN coalesce(h.status, s.status) = 'selesai'
                THEN greatest(0, finish.cum - receipt.start_cum) END AS working_days
    FROM selected s
    LEFT JOIN history h ON h.complaint_id = s.id
    LEFT JOIN calendar receipt
           ON receipt.day = (s.received_at AT TIME ZONE :timezone)::date
    LEFT JOIN calendar finish
           ON finish.day = (h.finished_at AT TIME ZONE :timezone)::date
)
"""

_FIGURE_COLUMNS = """
    count(*) AS received,
    count(*) FILTER (WHERE p.status = 'menunggu') AS menunggu,
    count(*) FILTER (WHERE p.status = 'proses') AS proses,
    count(*) FILTER (WHERE p.status = 'selesai') AS selesai,
    count(*) FILTER (WHERE p.status = 'ditolak') AS ditolak,
    count(*) FILTER (WHERE p.overdue) AS overdue,
    count(*) FILTER (WHERE p.reopened) AS reopened,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY p.working_days) AS median_working_days
"""

# One pass over the selected complaints gives the total and the three
# breakdowns, and GROUPING() distinguishes the grouping sets.
_CITY_FIGURES = (
    _PER_COMPLAINT
    + """
SELECT GROUPING(p.opd_id) AS no_opd,
       GROUPING(k.code, k.name) AS no_kecamatan,
       GROUPING(p.month) AS no_month,
       o.code AS opd_code, min(o.short_name) AS opd_name,
       k.code AS kecamatan_code, k.name AS kecamatan_name,
       p.month,
"""
    + _FIGURE_COLUMNS
    + """
FROM per_complaint p
LEFT JOIN opd o ON o.id = p.opd_id
LEFT JOIN area k ON k.id = p.kecamatan_area_id
GROUP BY GROUPING SETS ((), (p.opd_id, o.code), (k.code, k.name), (p.month))
"""
)

# Kecamatan or kelurahan figures keyed by area code, so complaints routed
# under an older boundary version still meet the current version's areas.
_AREA_FIGURES = (
    _PER_COMPLAINT
    + """
SELECT a.code, min(a.name) AS name,
"""
    + _FIGURE_COLUMNS
    + """
FROM per_complaint p
JOIN area a ON a.id = CASE WHEN :rank = 1 THEN p.kecamatan_area_id ELSE p.area_id END
GROUP BY a.code
"""
)

_FIRST_RECEIVED = """
SELECT min(c.received_at)
FROM complaint c
WHERE {conditions}
"""

_LAST_RECEIVED = """
SELECT max(c.received_at)
FROM complaint c
WHERE {conditions}
"""


def find_last_received(
    conn: Connection, analysis_filter: AnalysisFilter
) -> dt.datetime | None:
    """Return when the latest filtered complaint was received, or None without one."""
    conditions, params = filter_conditions(analysis_filter)
    return conn.execute(
        text(_LAST_RECEIVED.format(conditions=conditions)),
        params,
    ).scalar()


def _history_params(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    as_of: dt.datetime,
    calendar: WorkingCalendar,
) -> tuple[str, dict]:
    """Return the filter conditions and every parameter of `_PER_COMPLAINT`."""
    conditions, params = filter_conditions(analysis_filter)
    first = analysis_filter.received_from
    if first is None:
        first = conn.execute(
            text(_FIRST_RECEIVED.format(conditions=conditions)), params
        ).scalar()
    first_day = calendar.local_date(first or as_of)
    last_day = max(calendar.local_date(as_of), first_day)
    params.update(calendar_arrays(calendar, first_day, last_day))
    params.update(
        as_of=as_of,
        timezone=calendar.timezone.key,
        status_kinds=list(STATUS_KINDS),
    )
    return conditions, params


def _figures(row) -> Figures:
    median = row.median_working_days
    return Figures(
        received=row.received,
        menunggu=row.menunggu,
        proses=row.proses,
        selesai=row.selesai,
        ditolak=row.ditolak,
        overdue=row.overdue,
        reopened=row.reopened,
        median_working_days=None if median is None else float(median),
    )


def find_city_figures(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    as_of: dt.datetime,
    calendar: WorkingCalendar,
) -> CityFigures:
    """Compute the dashboard figures of the filtered complaints at ``as_of``.

    Args:
        conn: Database connection.
        analysis_filter: The complaints to count, by receipt time and more.
        as_of: The instant at which statuses are read from the history,
            usually the end of the period or now, whichever comes first.
        calendar: The city's working-day calendar, whose zone also sets the
            month of a complaint.

    Returns:
        Totals, then figures per OPD (the OPD at ``as_of``), per kecamatan and
        per month of receipt. Complaints without a kecamatan form a group
        with code None.
    """
    conditions, params = _history_params(conn, analysis_filter, as_of, calendar)
    disable_jit(conn)
    rows = conn.execute(text(_CITY_FIGURES.format(conditions=conditions)), params).all()
    log.debug("city figures: %d grouped rows at %s", len(rows), as_of.isoformat())

    total = Figures(0, 0, 0, 0, 0, 0, 0, None)
    by_opd, by_kecamatan, by_month = [], [], []
    for row in rows:
        figures = _figures(row)
        if row.no_opd and row.no_kecamatan and row.no_month:
            total = figures
        elif not row.no_opd:
            by_opd.append(GroupFigures(row.opd_code, row.opd_name, figures))
        elif not row.no_kecamatan:
            by_kecamatan.append(
                GroupFigures(row.kecamatan_code, row.kecamatan_name, figures)
            )
        else:
            by_month.append(GroupFigures(row.month, row.month, figures))
    return CityFigures(
        as_of=as_of,
        total=total,
        by_opd=sorted(by_opd, key=lambda group: -group.figures.received),
        by_kecamatan=sorted(by_kecamatan, key=lambda group: group.code or "~"),
        by_month=sorted(by_month, key=lambda group: group.code),
    )


def find_area_figures(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    as_of: dt.datetime,
    calendar: WorkingCalendar,
    rank: int,
) -> dict[str, GroupFigures]:
    """Compute the figures per kecamatan (rank 1) or kelurahan (rank 2).

    Returns:
        Figures keyed by area code. Areas without complaints are absent.
    """
    conditions, params = _history_params(conn, analysis_filter, as_of, calendar)
    params["rank"] = rank
    disable_jit(conn)
    rows = conn.execute(text(_AREA_FIGURES.format(conditions=conditions)), params).all()
    return {row.code: GroupFigures(row.code, row.name, _figures(row)) for row in rows}


@dataclass(frozen=True)
class Choice:
    """One option of a filter: a category, OPD or kecamatan."""

    code: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    """The values a complaint filter accepts, for forms and for checking input."""

    categories: list[Choice]
    opds: list[Choice]
    kecamatan: list[Choice]


def find_filter_choices(
    conn: Connection, city_code: str, language: str
) -> FilterChoices:
    """List the city's categories, OPDs and current kecamatan, ordered by name."""
    name_column = "name_en" if language == "en" else "name_id"
    categories = conn.execute(
        text(
            f"SELECT code, {name_column} AS name FROM category "
            "WHERE city_code = :city_code ORDER BY name"
        ),
        {"city_code": city_code},
    ).all()
    opds = conn.execute(
        text(
            "SELECT code, short_name AS name FROM opd "
            "WHERE city_code = :city_code ORDER BY short_name"
        ),
        {"city_code": city_code},
    ).all()
    kecamatan = conn.execute(
        text(
            "SELECT a.code, a.name FROM area a "
            "JOIN boundary_version v ON v.id = a.boundary_version_id "
            "WHERE v.city_code = :city_code AND v.is_current AND a.rank = 1 "
            "ORDER BY a.name"
        ),
        {"city_code": city_code},
    ).all()
    return FilterChoices(
        categories=[Choice(*row) for row in categories],
        opds=[Choice(*row) for row in opds],
        kecamatan=[Choice(*row) for row in kecamatan],
    )
