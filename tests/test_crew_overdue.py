"""Overdue tasks: marked in the list, collected on the OPD admin page and by the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.test_crew_support import SUKARASA
from tests.test_crew_support import bearer
from tests.test_crew_support import file_complaint
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture


@pytest.fixture
def overdue_tasks(app, clean_complaints, staff_accounts):  # noqa: F811
    lat, lon = SUKARASA
    return {
        "late_dpupr": file_complaint(app, lat, lon, due_in=-timedelta(days=3))[1],
        "later_dpupr": file_complaint(
            app, lat, lon, due_in=-timedelta(hours=2), status="proses"
        )[1],
        "on_time_dpupr": file_complaint(app, lat, lon, due_in=timedelta(days=2))[1],
        "done_dpupr": file_complaint(
            app, lat, lon, due_in=-timedelta(days=5), status="selesai"
        )[1],
        "late_dishub": file_complaint(
            app, lat, lon, opd="DISHUB", due_in=-timedelta(days=1)
        )[1],
    }


def test_task_list_marks_overdue(client, overdue_tasks):
    body = client.get(
        "/api/crew/tasks?lat=-6.17&lon=106.63&limit=10",
        headers=bearer(client, "crew-dpupr"),
    ).json
    overdue = {item["tracking_code"]: item["overdue"] for item in body["items"]}
    assert overdue == {
        overdue_tasks["late_dpupr"]: True,
        overdue_tasks["later_dpupr"]: True,
        overdue_tasks["on_time_dpupr"]: False,
    }


def test_overdue_page_lists_own_opd_earliest_first(client, overdue_tasks):
    login(client, "opdadmin-dpupr")
    html = client.get("/admin/terlambat").get_data(as_text=True)
    assert html.index(overdue_tasks["late_dpupr"]) < html.index(
        overdue_tasks["later_dpupr"]
    )
    assert overdue_tasks["on_time_dpupr"] not in html
    assert overdue_tasks["done_dpupr"] not in html
    assert overdue_tasks["late_dishub"] not in html


def test_overdue_page_for_admin_has_every_opd(client, overdue_tasks):
    login(client, "admin")
    html = client.get("/admin/terlambat").get_data(as_text=True)
    assert overdue_tasks["late_dpupr"] in html
    assert overdue_tasks["late_dishub"] in html


def test_overdue_page_refuses_crew(client, overdue_tasks):
    login(client, "crew-dpupr")
    assert client.get("/admin/terlambat").status_code == 403


def test_overdue_cli_prints_per_opd(runner, overdue_tasks):
    from app.cli import cli
    from app.cli import extensions  # noqa: F401 - registers feature commands

    result = runner.invoke(cli, ["complaints", "overdue"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    dishub = next(i for i, line in enumerate(lines) if line.startswith("DISHUB "))
    dpupr = next(i for i, line in enumerate(lines) if line.startswith("DPUPR "))
    assert "1 overdue" in lines[dishub]
    assert "2 overdue" in lines[dpupr]
    assert overdue_tasks["late_dpupr"] in lines[dpupr + 1]
    assert "3 days late" in lines[dpupr + 1]
    assert overdue_tasks["done_dpupr"] not in result.output


def test_overdue_cli_one_opd(runner, overdue_tasks):
    from app.cli import cli
    from app.cli import extensions  # noqa: F401 - registers feature commands

    result = runner.invoke(cli, ["complaints", "overdue", "--opd", "dishub"])
    assert result.exit_code == 0, result.output
    assert overdue_tasks["late_dishub"] in result.output
    assert overdue_tasks["late_dpupr"] not in result.output


def test_overdue_cli_unknown_opd(runner, loaded_city):
    from app.cli import cli
    from app.cli import extensions  # noqa: F401 - registers feature commands

    result = runner.invoke(cli, ["complaints", "overdue", "--opd", "NOPE"])
    assert result.exit_code == 1
    assert "Unknown OPD 'NOPE'" in result.output
