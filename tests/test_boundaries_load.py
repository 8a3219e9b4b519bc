"""`aduan boundaries load`: versions, idempotence, failed loads and hostile files.

The module works in its own database, so that the versions it adds and counts
are not mixed with those of other tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets

import psycopg
import pytest
import shapely
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.boundary_store import store_boundaries
from app.config import settings_from_env
from app.dbsetup import database_up
from app.errors import ApiError
from app.locate import current_version_id
from app.locate import locate_points
from app.pgserver import with_database
from geo.boundary_checks import LevelSpec
from geo.boundary_checks import check_boundaries
from geo.boundary_files import read_boundary_file
from tests import samples
from tests.conftest import boundary_dir

SAMPLE_CODE = samples.SAMPLE_CITY_CODE
# A city in the cities file for which no boundaries are ever loaded.
UNLOADED_CITY = """
[[city]]
code = "99.02"
name = "Kota Kosong"
timezone = "Asia/Jakarta"

[[city.levels]]
key = "kelurahan"
name_id = "Kelurahan"
name_en = "Urban village"
"""


@pytest.fixture(scope="module")
def own_database_url(server_url):
    name = f"aduan_load_{os.getpid()}_{secrets.token_hex(3)}"
    url = with_database(server_url, name)
    database_up(url)
    yield url
    with psycopg.connect(
        with_database(server_url, "postgres"), autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def _make_app(database_url, tmp_path_factory, default_city="36.71"):
    folder = tmp_path_factory.mktemp("load")
    cities = samples.sample_cities_toml(folder / "cities.toml", UNLOADED_CITY)
    settings = dataclasses.replace(
        settings_from_env({"ADUAN_VAR_DIR": str(folder), "SECRET_KEY": "test-secret"}),
        database_url=database_url,
        cities_file=cities,
        default_city=default_city,
    )
    application = create_app(settings)
    application.config.update(TESTING=True)
    return application


@pytest.fixture(scope="module")
def own_app(own_database_url, tmp_path_factory):
    application = _make_app(own_database_url, tmp_path_factory)
    yield application
    application.extensions["aduan"].dispose()


@pytest.fixture(scope="module")
def own_runner(own_app):
    return own_app.test_cli_runner()


@pytest.fixture(scope="module")
def own_engine(own_app):
    return own_app.extensions["aduan"].engine


def _load(runner, *args):
    from app.cli import boundaries  # noqa: F401 - registers the command
    from app.cli import cli
    from app.cli import locate  # noqa: F401 - registers the command

    return runner.invoke(cli, ["boundaries", "load", *map(str, args)])


def _versions(engine, city_code="36.71") -> list[tuple[int, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, is_current FROM boundary_version WHERE city_code = :city "
                "ORDER BY id"
            ),
            {"city": city_code},
        ).all()
    return [tuple(row) for row in rows]


def _current(engine, city_code="36.71") -> int | None:
    current = [
        version for version, is_current in _versions(engine, city_code) if is_current
    ]
    return current[0] if current else None


def _level_counts(engine, version: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT level, count(*) FROM area WHERE boundary_version_id = :v "
                "GROUP BY level"
            ),
            {"v": version},
        ).all()
    return dict(rows)


def _error_line(result) -> str:
    """The last line the CLI printed on stderr, where Click puts the error."""
    return result.stderr.strip().splitlines()[-1]


def _no_traceback(result) -> bool:
    return isinstance(result.exception, SystemExit) and "Traceback" not in result.output


@pytest.fixture(scope="module")
def first_load(own_runner, own_engine):
    result = _load(own_runner, boundary_dir())
    assert result.exit_code == 0, result.output
    return _current(own_engine)


def test_load_real_boundaries_levels(own_engine, first_load):
    assert _level_counts(own_engine, first_load) == {
        "city": 1,
        "kecamatan": 13,
        "kelurahan": 104,
    }


def test_load_real_boundaries_report_stored(own_engine, first_load):
    with own_engine.connect() as conn:
        report = conn.execute(
            text("SELECT report FROM boundary_version WHERE id = :v"), {"v": first_load}
        ).scalar()
    assert report["figures"]["kelurahan"]["count"] == 104
    assert any(
        "pairs of kelurahan overlap" in warning for warning in report["warnings"]
    )


def test_load_same_files_again_adds_no_version(own_runner, own_engine, first_load):
    before = _versions(own_engine)
    result = _load(own_runner, *sorted(boundary_dir().glob("*.geojson")))
    assert result.exit_code == 0, result.output
    assert f"unchanged, still version {first_load}" in result.stdout
    assert _versions(own_engine) == before


def test_load_force_adds_version(own_runner, own_engine, first_load):
    before = _versions(own_engine)
    result = _load(own_runner, boundary_dir(), "--force")
    after = _versions(own_engine)
    assert result.exit_code == 0, result.output
    assert len(after) == len(before) + 1
    assert _current(own_engine) == after[-1][0]
    assert (first_load, False) in after
    assert _level_counts(own_engine, first_load)["kelurahan"] == 104


def _duplicate_code_folder(tmp_path):
    """Copy the real files, giving the last kelurahan the code of the first."""
    for name in ("kota.geojson", "kecamatan.geojson"):
        (tmp_path / name).write_bytes((boundary_dir() / name).read_bytes())
    document = json.loads((boundary_dir() / "kelurahan.geojson").read_text("utf-8"))
    document["features"][-1]["properties"]["code"] = "36.71.01.1001"
    (tmp_path / "kelurahan.geojson").write_text(json.dumps(document), "utf-8")
    return tmp_path


def test_load_duplicate_code_changes_nothing(
    own_runner, own_engine, first_load, tmp_path
):
    before = _versions(own_engine)
    result = _load(own_runner, _duplicate_code_folder(tmp_path))
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert "Code 36.71.01.1001 appears 2 times" in _error_line(result)
    assert "kelurahan.geojson, feature 104" in _error_line(result)
    assert _versions(own_engine) == before


def test_store_failure_midway_rolls_back(own_app, own_engine, first_load):
    """A write that fails after the version row was added leaves nothing behind."""
    city = own_app.extensions["aduan"].cities["36.71"]
    files = [
        read_boundary_file(path) for path in sorted(boundary_dir().glob("*.geojson"))
    ]
    report = check_boundaries(
        [feature for file in files for feature in file.features],
        "36.71",
        [LevelSpec(level.key, level.code_parts) for level in city.levels],
    )
    # A repeated code passes no check here, so the unique index on (version, code)
    # stops the write after the version and most areas were sent.
    report.areas.append(report.areas[-1])
    before = _versions(own_engine)
    with own_app.extensions["aduan"].new_session() as session:
        with pytest.raises(IntegrityError):
            store_boundaries(session, city, files, report, force=True)
        session.rollback()
    with own_engine.connect() as conn:
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM area a LEFT JOIN boundary_version v "
                "ON v.id = a.boundary_version_id WHERE v.id IS NULL"
            )
        ).scalar()
    assert _versions(own_engine) == before
    assert orphans == 0


def test_load_unknown_city_is_one_line_error(own_runner, first_load):
    result = _load(own_runner, boundary_dir(), "--city", "12.34")
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert _error_line(result).startswith("Error: City '12.34' is not configured")


def _sample_files(tmp_path, **changes):
    """Write the synthetic city's files, with lists in changes replacing its own."""
    features = {**samples.sample_city_features(), **changes}
    return [
        samples.write_geojson(tmp_path / f"{level}.geojson", items)
        for level, items in features.items()
    ]


def _hostile_unclosed(tmp_path):
    kecamatan, _ = _sample_files(tmp_path)
    path = tmp_path / "kelurahan.geojson"
    path.write_text(samples.unclosed_ring_geojson("99.01.01.1001"), "utf-8")
    return [kecamatan, path]


def _hostile_missing_code(tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    del kelurahan[1]["properties"]["code"]
    return _sample_files(tmp_path, kelurahan=kelurahan)


def _hostile_duplicate_code(tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    kelurahan[1]["properties"]["code"] = "99.01.01.1001"
    return _sample_files(tmp_path, kelurahan=kelurahan)


def _hostile_point(tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    kelurahan[2]["geometry"] = shapely.geometry.mapping(shapely.Point(106.62, -6.19))
    return _sample_files(tmp_path, kelurahan=kelurahan)


def _hostile_empty(tmp_path):
    kecamatan, _ = _sample_files(tmp_path)
    return [kecamatan, samples.write_geojson(tmp_path / "kelurahan.geojson", [])]


def _hostile_invalid_json(tmp_path):
    kecamatan, kelurahan = _sample_files(tmp_path)
    kelurahan.write_text(kelurahan.read_text("utf-8")[:-10], "utf-8")
    return [kecamatan, kelurahan]


def _hostile_projected_as_lon_lat(tmp_path):
    kelurahan = [
        samples.feature(
            item["properties"],
            samples.to_crs(shapely.geometry.shape(item["geometry"]), samples.UTM_48S),
        )
        for item in samples.sample_city_features()["kelurahan"]
    ]
    return _sample_files(tmp_path, kelurahan=kelurahan)


def _hostile_missing_parent(tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    kelurahan[2]["properties"].update(code="99.01.07.1001", parent_code="99.01.07")
    return _sample_files(tmp_path, kelurahan=kelurahan)


def _hostile_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("no boundaries here", "utf-8")
    return [tmp_path]


HOSTILE = {
    "unclosed_ring": (
        _hostile_unclosed,
        ["kelurahan.geojson, feature 1 (code=99.01.01.1001)", "unclosed ring"],
    ),
    "missing_code": (
        _hostile_missing_code,
        ["kelurahan.geojson, feature 2", "has no code"],
    ),
    "duplicate_code": (
        _hostile_duplicate_code,
        [
            "Code 99.01.01.1001 appears 2 times",
            "kelurahan.geojson, feature 2 (99.01.01.1001 Dua)",
        ],
    ),
    "point_feature": (
        _hostile_point,
        ["kelurahan.geojson, feature 3 (code=99.01.02.1001) is a Point"],
    ),
    "empty_collection": (_hostile_empty, ["kelurahan.geojson has no features"]),
    "invalid_json": (_hostile_invalid_json, ["kelurahan.geojson is not valid JSON"]),
    "projected_as_lon_lat": (
        _hostile_projected_as_lon_lat,
        [
            "kelurahan.geojson, feature 1 (code=99.01.01.1001)",
            "are not longitude/latitude",
        ],
    ),
    "missing_parent": (
        _hostile_missing_parent,
        [
            "kelurahan.geojson, feature 3 (99.01.07.1001 Tiga)",
            "parent '99.01.07' is not in the load",
        ],
    ),
    "empty_folder": (_hostile_empty_folder, ["has no boundary file"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_load_hostile_file_is_one_line_error(own_runner, own_engine, tmp_path, case):
    make_files, fragments = HOSTILE[case]
    before = _versions(own_engine, SAMPLE_CODE)
    result = _load(own_runner, *make_files(tmp_path), "--city", SAMPLE_CODE)
    line = _error_line(result)
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert line.startswith("Error: ")
    for fragment in fragments:
        assert fragment in line
    assert _versions(own_engine, SAMPLE_CODE) == before


def _dry_run_report(runner, files) -> dict:
    result = _load(runner, *files, "--city", SAMPLE_CODE, "--dry-run")
    assert result.exit_code == 0, result.output
    return json.loads(result.stderr[: result.stderr.rindex("}") + 1])


def test_load_bow_tie_repaired_and_listed(own_runner, tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    kelurahan[0]["geometry"] = shapely.geometry.mapping(samples.BOW_TIE)
    report = _dry_run_report(own_runner, _sample_files(tmp_path, kelurahan=kelurahan))
    repaired = [w for w in report["warnings"] if "repaired with make_valid" in w]
    assert len(repaired) == 1
    assert "kelurahan.geojson, feature 1 (99.01.01.1001 Satu)" in repaired[0]


def test_load_child_outside_parent_share_reported(own_runner, tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    kelurahan[0]["geometry"] = shapely.geometry.mapping(
        samples.square(samples.WEST - samples.STEP, samples.SOUTH, 2 * samples.STEP)
    )
    report = _dry_run_report(own_runner, _sample_files(tmp_path, kelurahan=kelurahan))
    outside = [w for w in report["warnings"] if "lies outside its parent" in w]
    assert len(outside) == 1
    assert "(99.01.01.1001 Satu): 75.00% of its area" in outside[0]


def test_load_z_coordinates_dropped(own_runner, tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    for item in kelurahan:
        geometry = shapely.force_3d(shapely.geometry.shape(item["geometry"]), 12.0)
        item["geometry"] = shapely.geometry.mapping(geometry)
    report = _dry_run_report(own_runner, _sample_files(tmp_path, kelurahan=kelurahan))
    assert report["figures"]["areas"] == {"kecamatan": 2, "kelurahan": 3}


@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
def test_load_gdal_files_in_utm48s(own_app, own_runner, own_engine, tmp_path):
    features = samples.sample_city_features()

    def in_utm(items):
        return [
            samples.feature(
                item["properties"],
                samples.to_crs(
                    shapely.geometry.shape(item["geometry"]), samples.UTM_48S
                ),
            )
            for item in items
        ]

    kecamatan = samples.write_ogr(
        tmp_path / "kecamatan.gpkg",
        in_utm(features["kecamatan"]),
        samples.UTM_48S,
        "GPKG",
    )
    kelurahan = samples.write_ogr(
        tmp_path / "kelurahan.shp",
        in_utm(features["kelurahan"]),
        samples.UTM_48S,
        "ESRI Shapefile",
    )
    result = _load(own_runner, kecamatan, kelurahan, "--city", SAMPLE_CODE)
    city = own_app.extensions["aduan"].cities[SAMPLE_CODE]
    middle = (samples.WEST + 1.5 * samples.STEP, samples.SOUTH + samples.STEP / 2)
    with own_engine.connect() as conn:
        [location] = locate_points(conn, city, [middle])
    assert result.exit_code == 0, result.output
    assert location.area.code == "99.01.01.1002"
    assert location.parent_area.code == "99.01.01"


def test_load_other_name_field_adds_version(own_runner, own_engine, tmp_path):
    files = _sample_files(tmp_path)
    first = _load(own_runner, *files, "--city", SAMPLE_CODE, "--force")
    again = _load(own_runner, *files, "--city", SAMPLE_CODE)
    renamed = _load(own_runner, *files, "--city", SAMPLE_CODE, "--name-field", "code")
    versions = _versions(own_engine, SAMPLE_CODE)
    assert first.exit_code == 0, first.output
    assert "unchanged" in again.stdout
    assert renamed.exit_code == 0, renamed.output
    assert "loaded as" in renamed.stdout
    assert versions[-1][1] is True


def test_locate_without_boundaries_is_one_line_error(
    own_database_url, tmp_path_factory
):
    application = _make_app(own_database_url, tmp_path_factory, default_city="99.02")
    from app.cli import cli
    from app.cli import locate  # noqa: F401 - registers the command

    result = application.test_cli_runner().invoke(cli, ["locate", "-6.17", "106.63"])
    city = application.extensions["aduan"].city
    with application.extensions["aduan"].engine.connect() as conn:
        with pytest.raises(ApiError) as caught:
            current_version_id(conn, city)
    application.extensions["aduan"].dispose()
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert _error_line(result) == (
        "Error: No boundaries are loaded for Kota Kosong. Run: aduan boundaries load."
    )
    assert caught.value.status == 503


def test_load_several_errors_listed_one_per_line(own_runner, tmp_path):
    kelurahan = samples.sample_city_features()["kelurahan"]
    del kelurahan[0]["properties"]["code"]
    kelurahan[2]["properties"]["code"] = "99.01.02.1001.9"
    files = _sample_files(tmp_path, kelurahan=kelurahan)
    result = _load(own_runner, *files, "--city", SAMPLE_CODE)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert len(lines) == 3
    assert "feature 1 has no code" in lines[0]
    assert "the level of code '99.01.02.1001.9' (5 parts) is unknown" in lines[1]
    assert lines[2].startswith("Error: 2 errors in the boundary files (listed above)")


def test_load_unknown_level_option_rejected(own_runner, tmp_path):
    result = _load(
        own_runner, *_sample_files(tmp_path), "--city", SAMPLE_CODE, "--level", "desa"
    )
    assert result.exit_code == 2
    assert _no_traceback(result)
    assert (
        "'desa' is not a level of Kota Contoh; use one of city, kecamatan, "
        "kelurahan." in result.stderr
    )



def _partial_folder(tmp_path):
    """The real kecamatan with only the first kelurahan of Sukarasa's kecamatan."""
    folder = tmp_path / "partial"
    folder.mkdir()
    source = boundary_dir()
    (folder / "kecamatan.geojson").write_text(
        (source / "kecamatan.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    kelurahan = json.loads((source / "kelurahan.geojson").read_text(encoding="utf-8"))
    kelurahan["features"] = [f for f in kelurahan["features"]
                             if f["properties"]["code"] == "36.71.01.1001"]
    (folder / "kelurahan.geojson").write_text(json.dumps(kelurahan), encoding="utf-8")
    return folder


def test_partial_set_refused_without_flag(own_runner, own_engine, first_load, tmp_path):
    before = _versions(own_engine)
    result = _load(own_runner, _partial_folder(tmp_path))
    assert result.exit_code == 1
    assert "fewer areas than the current boundaries" in result.output
    assert "kelurahan 1 instead of 104" in result.output
    assert _versions(own_engine) == before
