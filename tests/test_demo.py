"""The demo year: shaped like the published year, reproducible, written via intake."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from app.demo import CATEGORY_WEIGHTS
from app.demo import DemoTargets
from app.demo import generate_demo
from app.demo import plan_year
from app.demo import read_demo_city
from app.intake import working_calendar
from app.planner.synthetic import insert_complaints_in_city

YEAR = 2025
SMALL = DemoTargets(selesai=60, menunggu=12, proses=3, ditolak=2)


@pytest.fixture(scope="module")
def calendar(loaded_city):
    return working_calendar(loaded_city.timezone, loaded_city.holiday_country)


@pytest.fixture(scope="module")
def demo_city(app, loaded_city):
    with app.extensions["aduan"].new_session() as session:
        return read_demo_city(session, loaded_city)


@pytest.fixture(scope="module")
def full_plan(demo_city, calendar):
    return plan_year(1, YEAR, DemoTargets(), demo_city, calendar)


def _final_status(plan) -> str:
    statuses = [event.to_status for event in plan.events if event.to_status]
    return statuses[-1] if statuses else "menunggu"


def test_demo_plan_matches_published_year(full_plan):
    finals = Counter(_final_status(plan) for plan in full_plan)
    assert len(full_plan) == 14_012
    assert finals == {"selesai": 13_421, "menunggu": 571, "proses": 20}


def test_demo_plan_led_by_street_lights_and_roads(full_plan):
    ranking = [code for code, _ in Counter(p.category for p in full_plan).most_common()]
    assert ranking[:2] == ["pju", "jalan-rusak"]
    assert set(ranking) <= set(CATEGORY_WEIGHTS)


def test_demo_plan_has_rainy_season_drains(full_plan, calendar):
    months = Counter(
        plan.received_at.astimezone(calendar.timezone).month
        for plan in full_plan
        if plan.category in ("genangan", "banjir")
    )
    assert months[1] + months[2] > 2 * (months[7] + months[8])


def test_demo_plan_events_stay_in_year_and_order(full_plan, calendar):
    year_end = dt.datetime(YEAR + 1, 1, 1, tzinfo=calendar.timezone)
    for plan in full_plan:
        times = [plan.received_at] + [event.at for event in plan.events]
        assert times == sorted(times), plan
        assert times[-1] < year_end, plan


def test_demo_plan_finishes_mostly_within_sla(full_plan, demo_city, calendar):
    on_time = late = 0
    for plan in full_plan:
        finished = [event.at for event in plan.events if event.to_status == "selesai"]
        if not finished:
            continue
        due = calendar.add_working_days(
            plan.received_at, demo_city.sla_days[plan.category]
        )
        on_time += finished[0] <= due
        late += finished[0] > due
    share = on_time / (on_time + late)
    assert 0.8 < share < 0.97


def test_demo_plan_is_reproducible(demo_city, calendar):
    first = plan_year(7, YEAR, SMALL, demo_city, calendar)
    second = plan_year(7, YEAR, SMALL, demo_city, calendar)
    other = plan_year(8, YEAR, SMALL, demo_city, calendar)
    assert first == second
    assert first != other


def test_demo_writes_year_end_statuses(app, engine, clean_complaints, loaded_city):
    with app.app_context(), app.extensions["aduan"].new_session() as session:
        result = generate_demo(session, loaded_city, YEAR, seed=2, targets=SMALL)
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                text("SELECT status, count(*) FROM complaint GROUP BY 1")
            ).all()
        )
        created = conn.execute(
            text("SELECT count(*) FROM complaint_event WHERE kind = 'created'")
        ).scalar_one()
        channels = conn.execute(text("SELECT DISTINCT channel FROM complaint")).all()
    assert result.complaints == SMALL.total
    assert result.skipped == 0
    assert statuses == {"selesai": 60, "menunggu": 12, "proses": 3, "ditolak": 2}
    assert created == SMALL.total
    assert channels == [("demo",)]


def test_demo_cli_if_empty_keeps_existing(runner, engine, clean_complaints):
    import app.cli.demo  # noqa: F401 - registers the command
    from app.cli import cli

    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            5,
            received_from=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
            received_until=dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc),
        )
    result = runner.invoke(cli, ["demo", "--if-empty"])
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM complaint")).scalar_one()
    assert result.exit_code == 0, result.output
    assert "already has 5 complaints" in result.output
    assert count == 5


def test_demo_cli_rejects_year_out_of_range(runner):
    import app.cli.demo  # noqa: F401 - registers the command
    from app.cli import cli

    result = runner.invoke(cli, ["demo", "--year", "1999"])
    assert result.exit_code == 2
    assert "1999" in result.output
