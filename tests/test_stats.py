"""The planners' figures equal direct counts over a generated year on real PostGIS."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections import defaultdict

import numpy as np
import pytest
from sqlalchemy import text

from app.demo import DemoTargets
from app.demo import generate_demo
from app.intake import working_calendar
from app.queries.stats import AnalysisFilter
from app.queries.stats import calendar_arrays
from app.queries.stats import find_area_figures
from app.queries.stats import find_city_figures
from tests.conftest import COMPLAINT_TABLES

YEAR = 2025
TARGETS = DemoTargets(selesai=240, menunggu=30, proses=8, ditolak=6)
ZONE = "Asia/Jakarta"


@pytest.fixture(scope="module")
def demo_year(app, loaded_city):
    """A small demo year written through intake and the status machine."""
    services = app.extensions["aduan"]
    with services.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")
    with app.app_context(), services.new_session() as session:
        result = generate_demo(session, loaded_city, YEAR, seed=11, targets=TARGETS)
    assert result.skipped == 0
    yield services.engine
    with services.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="module")
def calendar(loaded_city):
    return working_calendar(loaded_city.timezone, loaded_city.holiday_country)


@pytest.fixture(scope="module")
def figures_now(demo_year, loaded_city, calendar):
    with demo_year.connect() as conn:
        return find_city_figures(
            conn,
            AnalysisFilter(loaded_city.code),
            dt.datetime.now(dt.timezone.utc),
            calendar,
        )


def _direct_status_counts(conn, group_column: str) -> dict:
    rows = conn.execute(
        text(
            f"SELECT {group_column} AS key, count(*) AS received, "
            "count(*) FILTER (WHERE status = 'menunggu') AS menunggu, "
            "count(*) FILTER (WHERE status = 'proses') AS proses, "
            "count(*) FILTER (WHERE status = 'selesai') AS selesai, "
            "count(*) FILTER (WHERE status = 'ditolak') AS ditolak, "
            "count(*) FILTER (WHERE reopen_count > 0) AS reopened "
            "FROM complaint c GROUP BY 1"
        )
    ).all()
    return {row.key: row._asdict() for row in rows}


def _as_counts(figures) -> dict:
    return {
        "received": figures.received,
        "menunggu": figures.menunggu,
        "proses": figures.proses,
        "selesai": figures.selesai,
        "ditolak": figures.ditolak,
        "reopened": figures.reopened,
    }


def test_stats_totals_equal_direct_sql(demo_year, figures_now):
    with demo_year.connect() as conn:
        direct = _direct_status_counts(conn, "c.city_code")["36.71"]
    direct.pop("key")
    assert _as_counts(figures_now.total) == direct


def test_stats_totals_match_demo_targets(figures_now):
    assert figures_now.total.received == TARGETS.total
    assert figures_now.total.selesai == TARGETS.selesai
    assert figures_now.total.menunggu == TARGETS.menunggu
    assert figures_now.total.proses == TARGETS.proses
    assert figures_now.total.ditolak == TARGETS.ditolak


def test_stats_share_finished_is_selesai_over_received(figures_now):
    total = figures_now.total
    assert total.share_finished == pytest.approx(TARGETS.selesai / TARGETS.total)


def test_stats_per_opd_equal_direct_sql(demo_year, figures_now):
    with demo_year.connect() as conn:
        direct = _direct_status_counts(
            conn, "(SELECT code FROM opd WHERE opd.id = c.opd_id)"
        )
    computed = {group.code: _as_counts(group.figures) for group in figures_now.by_opd}
    for counts in direct.values():
        counts.pop("key")
    assert computed == direct


def test_stats_per_kecamatan_equal_direct_sql(demo_year, figures_now):
    with demo_year.connect() as conn:
        direct = _direct_status_counts(
            conn, "(SELECT code FROM area WHERE area.id = c.parent_area_id)"
        )
    computed = {
        group.code: _as_counts(group.figures) for group in figures_now.by_kecamatan
    }
    for counts in direct.values():
        counts.pop("key")
    assert computed == direct


def test_stats_per_month_equal_direct_sql(demo_year, figures_now):
    with demo_year.connect() as conn:
        direct = _direct_status_counts(
            conn, f"to_char(c.received_at AT TIME ZONE '{ZONE}', 'YYYY-MM')"
        )
    computed = {group.code: _as_counts(group.figures) for group in figures_now.by_month}
    for counts in direct.values():
        counts.pop("key")
    assert computed == direct
    assert len(computed) == 12


def test_stats_overdue_equals_direct_sql(demo_year, figures_now):
    with demo_year.connect() as conn:
        direct = conn.execute(
            text(
                "SELECT count(*) FROM complaint c "
                "WHERE c.due_at < now() AND NOT EXISTS ("
                " SELECT 1 FROM complaint_event e WHERE e.complaint_id = c.id"
                " AND e.to_status IN ('selesai', 'ditolak')"
                " AND e.occurred_at <= c.due_at)"
            )
        ).scalar_one()
    assert figures_now.total.overdue == direct
    assert direct > 0


def test_stats_median_working_days_equal_calendar(demo_year, figures_now, calendar):
    with demo_year.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.code, c.received_at, c.finished_at FROM complaint c "
                "JOIN opd o ON o.id = c.opd_id WHERE c.status = 'selesai'"
            )
        ).all()
    by_opd = defaultdict(list)
    for row in rows:
        days = calendar.working_days_between(row.received_at, row.finished_at)
        by_opd[row.code].append(days)
    everything = [days for values in by_opd.values() for days in values]
    assert figures_now.total.median_working_days == statistics.median(everything)
    for group in figures_now.by_opd:
        expected = statistics.median(by_opd[group.code]) if by_opd[group.code] else None
        assert group.figures.median_working_days == expected, group.code


def _replay_statuses(conn, as_of: dt.datetime) -> Counter:
    """Status at as_of per complaint received by then, replayed in Python."""
    rows = conn.execute(
        text(
            "SELECT c.id, e.kind, e.to_status FROM complaint c "
            "JOIN complaint_event e ON e.complaint_id = c.id "
            "WHERE c.received_at < :as_of AND e.occurred_at <= :as_of "
            "AND e.kind IN ('created', 'status', 'reopen', 'reroute') "
            "ORDER BY c.id, e.occurred_at, e.id"
        ),
        {"as_of": as_of},
    ).all()
    status = {}
    for row in rows:
        status[row.id] = row.to_status or "menunggu"
    return Counter(status.values())


def test_stats_status_at_period_end_replays_history(demo_year, loaded_city, calendar):
    zone = calendar.timezone
    end = dt.datetime(YEAR, 7, 1, tzinfo=zone)
    half_year = AnalysisFilter(loaded_city.code, received_until=end)
    with demo_year.connect() as conn:
        figures = find_city_figures(conn, half_year, end, calendar)
        replayed = _replay_statuses(conn, end)
    assert figures.total.received == sum(replayed.values())
    for status in ("menunggu", "proses", "selesai", "ditolak"):
        assert getattr(figures.total, status) == replayed[status], status


def test_stats_period_counts_only_received_in_it(demo_year, loaded_city, calendar):
    zone = calendar.timezone
    start = dt.datetime(YEAR, 3, 1, tzinfo=zone)
    end = dt.datetime(YEAR, 4, 1, tzinfo=zone)
    march = AnalysisFilter(loaded_city.code, received_from=start, received_until=end)
    with demo_year.connect() as conn:
        figures = find_city_figures(conn, march, end, calendar)
        direct = conn.execute(
            text(
                "SELECT count(*) FROM complaint "
                "WHERE received_at >= :s AND received_at < :e"
            ),
            {"s": start, "e": end},
        ).scalar_one()
    assert figures.total.received == direct
    assert [group.code for group in figures.by_month] == [f"{YEAR}-03"]


def test_stats_category_filter_equals_direct_sql(demo_year, loaded_city, calendar):
    only_pju = AnalysisFilter(loaded_city.code, categories=("pju",))
    with demo_year.connect() as conn:
        figures = find_city_figures(
            conn, only_pju, dt.datetime.now(dt.timezone.utc), calendar
        )
        direct = conn.execute(
            text(
                "SELECT count(*) FROM complaint c "
                "JOIN category cat ON cat.id = c.category_id WHERE cat.code = 'pju'"
            )
        ).scalar_one()
    assert figures.total.received == direct
    assert direct > 0


def test_stats_kelurahan_figures_cover_located(demo_year, loaded_city, calendar):
    with demo_year.connect() as conn:
        by_area = find_area_figures(
            conn,
            AnalysisFilter(loaded_city.code),
            dt.datetime.now(dt.timezone.utc),
            calendar,
            rank=2,
        )
        located = conn.execute(
            text("SELECT count(*) FROM complaint WHERE area_id IS NOT NULL")
        ).scalar_one()
    assert sum(group.figures.received for group in by_area.values()) == located
    assert all(code.count(".") == 3 for code in by_area)


def test_calendar_arrays_match_working_days_between(calendar):
    rng = np.random.default_rng(5)
    first = dt.date(2025, 1, 1)
    table = calendar_arrays(calendar, first, dt.date(2025, 12, 31))
    index = {day: position for position, day in enumerate(table["days"])}
    zone = calendar.timezone
    for _ in range(300):
        start = dt.datetime(2025, 1, 1, tzinfo=zone) + dt.timedelta(
            minutes=int(rng.integers(0, 300 * 24 * 60))
        )
        end = start + dt.timedelta(minutes=int(rng.integers(0, 40 * 24 * 60)))
        received = index[calendar.local_date(start)]
        finished = index[calendar.local_date(end)]
        from_table = max(0, table["cum"][finished] - table["start_cum"][received])
        assert from_table == calendar.working_days_between(start, end), (start, end)
