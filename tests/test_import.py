"""Bulk import of service requests: row parsing, the import path, real Boston data."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import os
import re
import secrets
from datetime import datetime
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from app import create_app
from app.config import ConfigError
from app.config import settings_from_env
from app.dbsetup import database_up
from app.importer import ImportMapping
from app.importer import RowError
from app.importer import import_file
from app.importer import load_mapping
from app.importer import parse_row
from app.pgserver import with_database
from tests.conftest import real311_dir

BOSTON = ZoneInfo("America/New_York")
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
# Inside Sukarasa, kecamatan Tangerang, Kota Tangerang.
SUKARASA = ("-6.17", "106.63")


class FakeCategory:
    code = "pju"


CATEGORIES = {"pju": FakeCategory(), "jalan-rusak": FakeCategory()}

MAPPING = ImportMapping(
    columns={
        "id": "ID",
        "opened": "OPENED",
        "closed": "CLOSED",
        "status": "STATUS",
        "category": "TYPE",
        "lat": "LAT",
        "lon": "LON",
        "address": "WHERE",
        "closing_note": "REASON",
    },
    description="{TYPE}: {TEXT}",
    status_map={
        "Open": "menunggu",
        "Working": "proses",
        "Closed": "selesai",
        "Invalid": "ditolak",
    },
    category_map={"Street Light Outages": "pju", "Pothole": "jalan-rusak"},
    default_point=(-6.2, 106.6),
)


def source_row(**values) -> dict:
    row = {
        "ID": "A1",
        "OPENED": "2025-03-01T08:00:00",
        "CLOSED": "",
        "STATUS": "Open",
        "TYPE": "Street Light Outages",
        "LAT": SUKARASA[0],
        "LON": SUKARASA[1],
        "WHERE": "Jl. Merdeka 1",
        "TEXT": "lamp out",
        "REASON": "",
    }
    row.update(values)
    return row


def parse(mapping=MAPPING, zone=WIB, **values):
    return parse_row(source_row(**values), 2, mapping, zone, CATEGORIES, NOW)


def reason_of(**values) -> str:
    with pytest.raises(RowError) as caught:
        parse(**values)
    return caught.value.reason


# -- Row parsing, without a database ---------------------------------------------------


def test_parse_row_naive_time_in_given_zone():
    item = parse(zone=BOSTON, OPENED="2015-07-01T09:00:00")
    assert item.received_at == datetime(2015, 7, 1, 13, 0, tzinfo=timezone.utc)


def test_parse_row_keeps_explicit_offset():
    item = parse(zone=BOSTON, OPENED="2015-07-01T09:00:00+07:00")
    assert item.received_at == datetime(2015, 7, 1, 2, 0, tzinfo=timezone.utc)


def test_parse_row_time_format():
    mapping = dataclasses.replace(MAPPING, time_format="%m/%d/%Y %I:%M:%S %p")
    item = parse(mapping, zone=BOSTON, OPENED="01/02/2015 01:30:00 PM")
    assert item.received_at == datetime(2015, 1, 2, 18, 30, tzinfo=timezone.utc)


def test_parse_row_maps_category_and_description():
    item = parse(TYPE="Pothole", TEXT="deep hole")
    assert item.request.category == "jalan-rusak"
    assert item.request.description == "Pothole: deep hole"
    assert item.request.address_note == "Jl. Merdeka 1"
    assert item.request.location_source == "import"


def test_parse_row_category_map_ignores_case():
    assert parse(TYPE="street light outages").request.category == "pju"


def test_parse_row_unmapped_category_skipped():
    assert reason_of(TYPE="Graffiti") == "unmapped_category"


def test_parse_row_unmapped_category_default():
    mapping = dataclasses.replace(MAPPING, default_category="pju")
    item = parse(mapping, TYPE="Graffiti")
    assert item.request.category == "pju"
    assert item.category_defaulted


def test_parse_row_category_code_used_directly():
    assert parse(TYPE="jalan-rusak").request.category == "jalan-rusak"


def test_parse_row_default_point_means_no_location():
    item = parse(LAT="-6.2", LON="106.6")
    assert item.request.lat is None
    assert item.request.location_source is None
    assert item.at_default_point


def test_parse_row_empty_coordinates_mean_no_location():
    item = parse(LAT="", LON="")
    assert item.request.lat is None
    assert not item.at_default_point


@pytest.mark.parametrize(
    "lat, lon", [("abc", "106.6"), ("nan", "106.6"), ("-6.2", ""), ("inf", "1")]
)
def test_parse_row_bad_coordinates(lat, lon):
    assert reason_of(LAT=lat, LON=lon) == "invalid_coordinates"


def test_parse_row_closed_status_needs_closed_time():
    assert reason_of(STATUS="Closed", CLOSED="") == "missing_closed_time"


def test_parse_row_closed_before_opened():
    assert (
        reason_of(STATUS="Closed", CLOSED="2025-02-01T00:00:00")
        == "invalid_closed_time"
    )


def test_parse_row_open_row_ignores_closed_time():
    assert parse(STATUS="Open", CLOSED="2025-03-02T00:00:00").closed_at is None


def test_parse_row_unmapped_status():
    assert reason_of(STATUS="Pending") == "unmapped_status"


def test_parse_row_status_from_closed_time_without_status_column():
    columns = {key: value for key, value in MAPPING.columns.items() if key != "status"}
    mapping = dataclasses.replace(MAPPING, columns=columns)
    assert parse(mapping, CLOSED="2025-03-02T10:00:00").status == "selesai"
    assert parse(mapping, CLOSED="").status == "menunggu"


@pytest.mark.parametrize(
    "values, reason",
    [
        ({"ID": " "}, "missing_id"),
        ({"ID": "9" * 201}, "invalid_id"),
        ({"OPENED": ""}, "missing_opened_time"),
        ({"OPENED": "yesterday"}, "invalid_opened_time"),
        ({"OPENED": "2027-01-01T00:00:00"}, "opened_in_future"),
        ({"STATUS": "Closed", "CLOSED": "31/12/2025"}, "invalid_closed_time"),
    ],
)
def test_parse_row_rejections(values, reason):
    assert reason_of(**values) == reason


def test_parse_row_short_description_falls_back_to_type():
    mapping = dataclasses.replace(MAPPING, description="{TEXT}")
    assert parse(mapping, TEXT="x").request.description == "Street Light Outages"


def test_parse_row_long_description_truncated():
    description = parse(TEXT="y" * 5000).request.description
    assert len(description) == 2000
    assert description.endswith("…")


def test_parse_row_strips_nul_characters():
    assert "\x00" not in parse(TEXT="lamp\x00 out").request.description


def test_parse_row_id_prefix():
    mapping = dataclasses.replace(MAPPING, id_prefix="bos:")
    assert parse(mapping).external_id == "bos:A1"


def test_load_mapping_reads_toml(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(
        'description = "{TYPE}"\ndefault_point = [42.3594, -71.0587]\n'
        '[columns]\nid = "CASE_ENQUIRY_ID"\n[status]\nOpen = "menunggu"\n'
        '[category]\n"Street Light Outages" = "streetlight"\n',
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert mapping.columns == {"id": "CASE_ENQUIRY_ID"}
    assert mapping.default_point == (42.3594, -71.0587)
    assert mapping.category_map == {"Street Light Outages": "streetlight"}


@pytest.mark.parametrize(
    "content",
    [
        "colums = {}\n",
        '[columns]\nident = "X"\n',
        'default_point = "north"\n',
        "default_point = [-171.0587, 42.3594]\n",
        "description = \n",
        'columns = "CASE_ENQUIRY_ID"\n',
        "[status]\nOpen = 1\n",
    ],
)
def test_load_mapping_rejects_bad_files(tmp_path, content):
    path = tmp_path / "mapping.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_mapping(path)


# -- The import path on Kota Tangerang -------------------------------------------------

HEADER = [
    "ID",
    "OPENED",
    "CLOSED",
    "STATUS",
    "TYPE",
    "LAT",
    "LON",
    "WHERE",
    "TEXT",
    "REASON",
]


def write_csv(path: Path, rows: list[dict]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


TANGERANG_ROWS = [
    source_row(ID="T1"),
    source_row(
        ID="T2",
        STATUS="Closed",
        CLOSED="2025-03-03T15:30:00",
        REASON="Lampu sudah diganti",
    ),
    source_row(ID="T3", STATUS="Working"),
    source_row(ID="T4", STATUS="Invalid", CLOSED="2025-03-02T09:00:00"),
    source_row(ID="T5", LAT="-6.30", LON="106.63"),
    source_row(ID="T6", LAT="-6.2", LON="106.6"),
    source_row(ID="T7", TYPE="Graffiti"),
    source_row(ID="T1"),
    source_row(ID="T8", LAT="106.63", LON="-6.17"),
]


def run_import(app, path, mapping=MAPPING, **options):
    city = app.extensions["aduan"].city
    failures = []
    with app.extensions["aduan"].new_session() as session:
        result = import_file(
            session, city, path, mapping, on_failure=failures.append, **options
        )
    return result, {failure.external_id: failure.reason for failure in failures}


def test_import_counts_and_reasons(app, engine, clean_complaints, tmp_path):
    result, reasons = run_import(
        app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS), batch_size=3
    )
    assert result.rows == 9
    assert result.imported == 4
    assert reasons == {
        "T5": "outside_city",
        "T6": "default_point",
        "T7": "unmapped_category",
        "T1": "duplicate_id",
        "T8": "invalid_lat",
    }
    assert result.unmapped_categories == {"Graffiti": 1}
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                text(
                    "SELECT external_id, status FROM complaint WHERE channel = 'import'"
                )
            ).all()
        )
    assert stored == {
        "T1": "menunggu",
        "T2": "selesai",
        "T3": "proses",
        "T4": "ditolak",
    }


def test_import_replays_history_at_source_times(
    app, engine, clean_complaints, tmp_path
):
    run_import(app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS[:4]))
    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT e.kind, e.to_status, e.occurred_at, e.note, e.actor_kind "
                "FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id "
                "WHERE c.external_id = 'T2' ORDER BY e.id"
            )
        ).all()
        received, finished = conn.execute(
            text(
                "SELECT received_at, finished_at FROM complaint "
                "WHERE external_id = 'T2'"
            )
        ).one()
    closed = datetime(2025, 3, 3, 15, 30, tzinfo=WIB)
    assert [(e.kind, e.to_status) for e in events] == [
        ("created", "menunggu"),
        ("status", "proses"),
        ("status", "selesai"),
    ]
    assert events[0].occurred_at == datetime(2025, 3, 1, 8, 0, tzinfo=WIB)
    assert events[2].occurred_at == closed
    assert events[2].note == "Lampu sudah diganti"
    assert {e.actor_kind for e in events} == {"system"}
    assert received == datetime(2025, 3, 1, 8, 0, tzinfo=WIB)
    assert finished == closed


def test_import_rejected_row_gets_reason_note(app, engine, clean_complaints, tmp_path):
    run_import(app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS[:4]))
    with engine.connect() as conn:
        note = conn.execute(
            text(
                "SELECT e.note FROM complaint_event e "
                "JOIN complaint c ON c.id = e.complaint_id"
                " WHERE c.external_id = 'T4' AND e.to_status = 'ditolak'"
            )
        ).scalar_one()
    assert note


def test_import_places_and_routes_like_intake(app, engine, clean_complaints, tmp_path):
    run_import(app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS[:1]))
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.code AS kelurahan, o.code AS opd, c.location_source, "
                "c.channel, "
                "c.due_at > c.received_at AS has_due, c.tracking_code "
                "FROM complaint c JOIN area a ON a.id = c.area_id "
                "JOIN opd o ON o.id = c.opd_id"
            )
        ).one()
    assert row.kelurahan == "36.71.01.1001"
    assert row.opd == "DISHUB"
    assert row.location_source == "import"
    assert row.channel == "import"
    assert row.has_due
    assert row.tracking_code.startswith("ADU-2025-")


def test_import_again_adds_nothing(app, engine, clean_complaints, tmp_path):
    path = write_csv(tmp_path / "t.csv.gz", TANGERANG_ROWS)
    first, first_reasons = run_import(app, path)
    second, second_reasons = run_import(app, path)
    assert first.imported == 4
    assert second.imported == 0
    assert second.existing == 4
    assert second_reasons == first_reasons
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 4


def test_import_dry_run_keeps_nothing(app, engine, clean_complaints, tmp_path):
    result, _ = run_import(
        app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS), dry_run=True
    )
    assert result.imported == 4
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM tracking_counter")).scalar() == 0


def test_import_file_not_utf8(app, clean_complaints, tmp_path):
    path = tmp_path / "latin1.csv"
    header = ",".join(HEADER)
    path.write_bytes(
        f"{header}\nT1,2025-03-01T08:00:00,,Open,Caf\xe9,1,2,,,\n".encode("latin-1")
    )
    with pytest.raises(ConfigError, match="--encoding"):
        run_import(app, path)


def test_import_file_latin1_with_encoding(app, clean_complaints, tmp_path):
    path = tmp_path / "latin1.csv"
    rows = [source_row(ID="L1", TEXT="lampu mati dekat kafé")]
    with path.open("w", encoding="latin-1", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    result, _ = run_import(app, path, encoding="latin-1")
    assert result.imported == 1


def test_import_limit_reads_first_rows(app, clean_complaints, tmp_path):
    result, _ = run_import(app, write_csv(tmp_path / "t.csv", TANGERANG_ROWS), limit=2)
    assert result.rows == 2
    assert result.imported == 2


@pytest.mark.parametrize(
    "mapping, fragment",
    [
        (
            dataclasses.replace(MAPPING, columns={"id": "ID", "opened": "OPENED"}),
            "category",
        ),
        (dataclasses.replace(MAPPING, description="{NOPE}"), "'NOPE'"),
        (
            dataclasses.replace(MAPPING, category_map={"X": "no-such-code"}),
            "no-such-code",
        ),
        (dataclasses.replace(MAPPING, status_map={"Open": "open"}), "open"),
        (dataclasses.replace(MAPPING, timezone="Mars/Olympus"), "Mars/Olympus"),
    ],
)
def test_import_bad_mapping_stops_before_rows(
    app, clean_complaints, tmp_path, mapping, fragment
):
    path = write_csv(tmp_path / "t.csv", TANGERANG_ROWS)
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        run_import(app, path, mapping)


def test_import_cli_writes_report(app, runner, clean_complaints, tmp_path):
    cli = cli_group()

    path = write_csv(tmp_path / "t.csv", TANGERANG_ROWS)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        'description = "{TYPE}: {TEXT}"\ndefault_point = "-6.2,106.6"\n'
        '[columns]\nid = "ID"\nopened = "OPENED"\nclosed = "CLOSED"\n'
        'status = "STATUS"\n'
        'category = "TYPE"\nlat = "LAT"\nlon = "LON"\n',
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    result = runner.invoke(
        cli,
        [
            "complaints",
            "import",
            str(path),
            "--mapping",
            str(mapping),
            "--status-map",
            "Open=menunggu",
            "--status-map",
            "Working=proses",
            "--status-map",
            "Closed=selesai",
            "--status-map",
            "Invalid=ditolak",
            "--category-map",
            "Street Light Outages=pju",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported 4" in result.output
    assert "rows/s" in result.output
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["external_id"]: row["reason"] for row in rows} == {
        "T5": "outside_city",
        "T6": "default_point",
        "T7": "unmapped_category",
        "T1": "duplicate_id",
        "T8": "invalid_lat",
    }
    assert all(row["line"].isdigit() for row in rows)


def test_import_cli_bad_option_is_one_line_error(
    app, runner, clean_complaints, tmp_path
):
    cli = cli_group()

    path = write_csv(tmp_path / "t.csv", TANGERANG_ROWS)
    result = runner.invoke(
        cli,
        [
            "complaints",
            "import",
            str(path),
            "--id-column",
            "ID",
            "--opened-column",
            "OPENED",
            "--category-column",
            "TYPE",
            "--status-map",
            "Open",
        ],
    )
    assert result.exit_code == 1
    assert "VALUE=TARGET" in result.output


# -- Real Boston data, in a city of its own --------------------------------------------

BOSTON_CITIES = """
[[city]]
code = "boston"
name = "Boston"
timezone = "America/New_York"
holidays = { country = "US" }
levels = [{ key = "ward", name_id = "Ward", name_en = "Ward" }]
"""
BOSTON_OPDS = """code,name,short_name,kind,kecamatan_code
PWD,Public Works Department,PWD,department,
LIGHTS,PWD Street Lighting,Street Lighting,department,
"""
BOSTON_CATEGORIES = """code,group,name_id,name_en,opd_code,route_to_kecamatan,\
sla_working_days,location_required,private_by_nature
streetlight,lighting,Lampu jalan,Street light,LIGHTS,false,10,true,false
pothole,street,Jalan berlubang,Pothole,PWD,false,5,true,false
sidewalk,street,Trotoar rusak,Sidewalk repair,PWD,false,20,true,false
"""
BOSTON_MAPPING = """
description = "{TYPE}: {CASE_TITLE}"
default_point = [42.3594, -71.0587]
id_prefix = "boston311:"

[columns]
id = "CASE_ENQUIRY_ID"
opened = "OPEN_DT"
closed = "CLOSED_DT"
status = "CASE_STATUS"
category = "TYPE"
lat = "LATITUDE"
lon = "LONGITUDE"
address = "Location"
closing_note = "CLOSURE_REASON"

[status]
Open = "menunggu"
Closed = "selesai"

# "Sidewalk Repair (Internal)" stays unmapped, so those rows are rejected.
[category]
"Street Light Outages" = "streetlight"
"General Lighting Request" = "streetlight"
"Street Light Knock Downs" = "streetlight"
"Install New Lighting" = "streetlight"
"Upgrade Existing Lighting" = "streetlight"
"Pothole Repair (Internal)" = "pothole"
"BWSC Pothole" = "pothole"
"Sidewalk Repair (Make Safe)" = "sidewalk"
"Sidewalk Repair" = "sidewalk"
"""
BOSTON_FILE = "boston_311_2015_streetlight_pothole_sidewalk.csv"
# Every 11th row spreads the sample over the year: about 1,960 of 21,584 rows.
SAMPLE_EVERY = 11
DEFAULT_POINT = ("42.3594", "-71.0587")


@pytest.fixture(scope="module")
def boston_sample(tmp_path_factory):
    folder = real311_dir()
    if folder is None:
        pytest.skip(
            "The real 311 data (boston/) is not available; set ADUAN_REAL311_DIR."
        )
    with (folder / "boston" / BOSTON_FILE).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = [row for number, row in enumerate(reader) if number % SAMPLE_EVERY == 0]
    path = tmp_path_factory.mktemp("boston_sample") / "boston_sample.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return folder / "boston", path, rows


def cli_group():
    """The `aduan` group with the commands of every module registered."""
    from app.cli import boundaries  # noqa: F401
    from app.cli import cli
    from app.cli import extensions  # noqa: F401
    from app.cli import intake  # noqa: F401

    return cli


@pytest.fixture(scope="module")
def boston_app(server_url, boston_sample, tmp_path_factory):
    """An app for a one-level city, Boston, on a database of its own."""
    cli = cli_group()

    folder = tmp_path_factory.mktemp("boston_city")
    (folder / "cities.toml").write_text(BOSTON_CITIES, encoding="utf-8")
    (folder / "opd.csv").write_text(BOSTON_OPDS, encoding="utf-8")
    (folder / "categories.csv").write_text(BOSTON_CATEGORIES, encoding="utf-8")
    name = f"aduan_test_boston_{os.getpid()}_{secrets.token_hex(3)}"
    url = with_database(server_url, name)
    database_up(url)
    settings = dataclasses.replace(
        settings_from_env({"ADUAN_VAR_DIR": str(folder / "var"), "SECRET_KEY": "test"}),
        cities_file=folder / "cities.toml",
        default_city="boston",
        database_url=url,
    )
    application = create_app(settings)
    runner = application.test_cli_runner()
    wards = boston_sample[0] / "boston_wards.geojson"
    for arguments in (
        ["db", "up"],
        [
            "boundaries",
            "load",
            str(wards),
            "--city",
            "boston",
            "--level",
            "ward",
            "--code-field",
            "ward",
            "--name-field",
            "name",
        ],
        ["config", "load", "--data-dir", str(folder)],
    ):
        result = runner.invoke(cli, arguments)
        assert result.exit_code == 0, result.output
    yield application, runner, folder
    application.extensions["aduan"].dispose()
    with psycopg.connect(
        with_database(server_url, "postgres"), autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


@pytest.fixture(scope="module")
def boston_import(boston_app, boston_sample):
    """The sample imported once through the CLI; returns the outputs of two runs."""
    cli = cli_group()

    application, runner, folder = boston_app
    (folder / "mapping.toml").write_text(BOSTON_MAPPING, encoding="utf-8")
    command = [
        "complaints",
        "import",
        str(boston_sample[1]),
        "--mapping",
        str(folder / "mapping.toml"),
        "--report",
        str(folder / "report.csv"),
    ]
    first = runner.invoke(cli, command)
    assert first.exit_code == 0, first.output
    with (folder / "report.csv").open(encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    second = runner.invoke(cli, command)
    assert second.exit_code == 0, second.output
    engine = application.extensions["aduan"].engine
    return first.output, second.output, report, engine


def _imported_count(output: str) -> int:
    return int(re.search(r"imported (\d+)", output).group(1))


def _mapped(row: dict) -> bool:
    return row["TYPE"] in load_mapping_text(BOSTON_MAPPING).category_map


def load_mapping_text(content: str) -> ImportMapping:
    import tomllib

    return ImportMapping(category_map=tomllib.loads(content)["category"])


def test_boston_import_count(boston_sample, boston_import):
    rows = boston_sample[2]
    first_output, _, report, engine = boston_import
    expected = [
        row
        for row in rows
        if _mapped(row) and (row["LATITUDE"], row["LONGITUDE"]) != DEFAULT_POINT
    ]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM complaint")).scalar()
    outside = [row for row in report if row["reason"] == "outside_city"]
    assert stored == _imported_count(first_output)
    assert stored == len(expected) - len(outside)
    assert len(outside) <= len(rows) * 0.005
    assert len(report) + stored == len(rows)


def test_boston_default_point_rows_rejected(boston_sample, boston_import):
    rows = boston_sample[2]
    _, _, report, engine = boston_import
    at_default = {
        "boston311:" + row["CASE_ENQUIRY_ID"]
        for row in rows
        if _mapped(row) and (row["LATITUDE"], row["LONGITUDE"]) == DEFAULT_POINT
    }
    rejected = {
        row["external_id"] for row in report if row["reason"] == "default_point"
    }
    assert at_default
    assert rejected == at_default
    with engine.connect() as conn:
        unlocated = conn.execute(
            text("SELECT count(*) FROM complaint WHERE location IS NULL")
        ).scalar()
    assert unlocated == 0


def test_boston_unmapped_type_reported(boston_sample, boston_import):
    rows = boston_sample[2]
    first_output, _, report, _ = boston_import
    unmapped = sum(not _mapped(row) for row in rows)
    assert unmapped > 0
    assert sum(row["reason"] == "unmapped_category" for row in report) == unmapped
    assert (
        f"unmapped category 'Sidewalk Repair (Internal)': {unmapped} rows"
        in first_output
    )


def ward_number(value: str) -> int | None:
    """The ward number of "Ward 5", "05" or "5"; the source mixes these forms."""
    digits = re.search(r"\d+", value or "")
    return int(digits.group()) if digits else None


def test_boston_wards_match_source(boston_sample, boston_import):
    by_id = {
        "boston311:" + row["CASE_ENQUIRY_ID"]: ward_number(row["ward"])
        for row in boston_sample[2]
    }
    _, _, _, engine = boston_import
    with engine.connect() as conn:
        placed = conn.execute(
            text(
                "SELECT c.external_id, a.code FROM complaint c "
                "JOIN area a ON a.id = c.area_id"
            )
        ).all()
    comparable = [
        (by_id[external_id], ward_number(code))
        for external_id, code in placed
        if by_id[external_id] is not None
    ]
    matching = sum(source == ward for source, ward in comparable)
    assert len(comparable) > 1500
    assert matching / len(comparable) >= 0.98


def test_boston_closed_rows_have_real_history(boston_sample, boston_import):
    # Internal cases closed seconds before they were opened count as closed at opening.
    closed_at = {
        "boston311:" + row["CASE_ENQUIRY_ID"]: max(
            datetime.fromisoformat(row["CLOSED_DT"]).replace(tzinfo=BOSTON),
            datetime.fromisoformat(row["OPEN_DT"]).replace(tzinfo=BOSTON),
        )
        for row in boston_sample[2]
        if row["CASE_STATUS"] == "Closed"
    }
    _, _, _, engine = boston_import
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.external_id, c.status, c.finished_at, e.occurred_at "
                "FROM complaint c LEFT JOIN complaint_event e "
                "  ON e.complaint_id = c.id AND e.to_status = 'selesai' "
                "WHERE c.external_id = ANY(:ids)"
            ),
            {"ids": list(closed_at)},
        ).all()
    assert len(rows) > 1000
    assert {row.status for row in rows} == {"selesai"}
    assert all(row.occurred_at == closed_at[row.external_id] for row in rows)
    assert all(row.finished_at == closed_at[row.external_id] for row in rows)


def test_boston_open_rows_stay_open(boston_sample, boston_import):
    open_ids = [
        "boston311:" + row["CASE_ENQUIRY_ID"]
        for row in boston_sample[2]
        if row["CASE_STATUS"] == "Open"
    ]
    _, _, _, engine = boston_import
    with engine.connect() as conn:
        statuses = (
            conn.execute(
                text(
                    "SELECT DISTINCT status FROM complaint "
                    "WHERE external_id = ANY(:ids)"
                ),
                {"ids": open_ids},
            )
            .scalars()
            .all()
        )
    assert statuses == ["menunggu"]


def test_boston_routes_to_category_opd(boston_import):
    _, _, _, engine = boston_import
    with engine.connect() as conn:
        pairs = set(
            conn.execute(
                text(
                    "SELECT cat.code, o.code FROM complaint c JOIN category cat "
                    "ON cat.id = c.category_id JOIN opd o ON o.id = c.opd_id"
                )
            ).all()
        )
    assert pairs == {("streetlight", "LIGHTS"), ("pothole", "PWD"), ("sidewalk", "PWD")}


def test_boston_reimport_adds_nothing(boston_import):
    first_output, second_output, _, engine = boston_import
    assert _imported_count(second_output) == 0
    assert f"{_imported_count(first_output)} already stored" in second_output
