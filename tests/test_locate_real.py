"""`locate` on the real Kota Tangerang boundaries agrees with the Shapely reference.

Points are drawn with fixed seeds from the places where the rules matter:
shared edges and vertices of neighbouring kelurahan, their overlaps, the gaps
between them, rings just outside the city and places far away.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy
import pytest
import shapely
from shapely.geometry import Point
from shapely.geometry import Polygon
from sqlalchemy import text

from app import create_app
from app.cli import cli
from app.locate import locate_points
from geo.boundary_checks import FieldNames
from geo.boundary_checks import LevelSpec
from geo.boundary_checks import check_boundaries
from geo.boundary_checks import derive_outline
from geo.boundary_files import read_boundary_file
from geo.locate_rules import EDGE_TOLERANCE_DEG
from geo.locate_rules import Placement
from geo.locate_rules import ShapelyLocator
from geo.locate_rules import point_equidistant_transformer
from geo.projection import equidistant_transformer
from geo.projection import transform_geometry
from tests.conftest import boundary_dir
from tests.conftest import real311_dir

# Two candidates whose depths or nearest distances differ by less than this are
# a tie within the accuracy of the distance methods. Shapely measures in an
# azimuthal equidistant plane and PostGIS on the spheroid. They can differ by a
# few centimetres, which is enough to flip the choice between two near-equal areas.
TIE_M = 0.5
DISTANCE_ABS_M = 1.0
DISTANCE_REL = 0.005
OUTSIDE_RING_M = (1, 2, 5, 10, 25, 50, 100, 250, 500)
FAR_POINTS = {
    "jakarta_monas": (106.8272, -6.1754),
    "bandung": (107.6191, -6.9175),
    "serang": (106.1503, -6.1200),
    "singapore": (103.8198, 1.3521),
    "null_island": (0.0, 0.0),
    "boston": (-71.0589, 42.3601),
    "sydney": (151.2093, -33.8688),
}


@dataclass
class Reference:
    """The Shapely reference and what the comparison needs from the files."""

    locator: ShapelyLocator
    kelurahan: dict
    outline: object
    parents: dict


@dataclass
class Expected:
    """The reference placement of a point and the codes accepted for it."""

    placement: Placement
    codes: frozenset


@pytest.fixture(scope="module")
def reference() -> Reference:
    kelurahan_file = read_boundary_file(boundary_dir() / "kelurahan.geojson")
    kota_file = read_boundary_file(boundary_dir() / "kota.geojson")
    kelurahan = {f.properties["code"]: f.geometry for f in kelurahan_file.features}
    parents = {
        f.properties["code"]: f.properties["parent_code"]
        for f in kelurahan_file.features
    }
    outline = kota_file.features[0].geometry
    return Reference(ShapelyLocator(kelurahan, outline), kelurahan, outline, parents)


def _neighbour_pairs(kelurahan: dict) -> list[tuple[str, str]]:
    codes = sorted(kelurahan)
    tree = shapely.STRtree([kelurahan[code] for code in codes])
    pairs = []
    for index, code in enumerate(codes):
        for other in tree.query(kelurahan[code], predicate="intersects"):
            if other > index:
                pairs.append((code, codes[int(other)]))
    return pairs


def _shared_edge_points(kelurahan, rng, count) -> list[tuple[float, float]]:
    lines = []
    for first, second in _neighbour_pairs(kelurahan):
        shared = kelurahan[first].boundary.intersection(kelurahan[second].boundary)
        lines += [
            part for part in shapely.get_parts(shared) if part.geom_type == "LineString"
        ]
    chosen = rng.choice(len(lines), size=count)
    fractions = rng.uniform(0.0, 1.0, size=count).tolist()
    return [
        tuple(lines[index].interpolate(fraction, normalized=True).coords[0])
        for index, fraction in zip(chosen, fractions)
    ]


def _shared_vertex_points(kelurahan, rng, count) -> list[tuple[float, float]]:
    seen: dict[tuple[float, float], int] = {}
    for geometry in kelurahan.values():
        for vertex in set(map(tuple, shapely.get_coordinates(geometry).tolist())):
            seen[vertex] = seen.get(vertex, 0) + 1
    triple = sorted(vertex for vertex, times in seen.items() if times >= 3)
    double = sorted(vertex for vertex, times in seen.items() if times == 2)
    picked = rng.choice(len(double), size=max(count - len(triple), 0), replace=False)
    return triple + [double[index] for index in picked]


def _points_inside(polygons, rng, count) -> list[tuple[float, float]]:
    """Uniform points inside randomly chosen polygons, by rejection in their boxes."""
    points = []
    while len(points) < count:
        polygon = polygons[rng.integers(len(polygons))]
        west, south, east, north = polygon.bounds
        lon, lat = float(rng.uniform(west, east)), float(rng.uniform(south, north))
        if polygon.contains(Point(lon, lat)):
            points.append((lon, lat))
    return points


def _overlap_points(kelurahan, rng, count) -> list[tuple[float, float]]:
    overlaps = []
    for first, second in _neighbour_pairs(kelurahan):
        shared = kelurahan[first].intersection(kelurahan[second])
        overlaps += [
            part
            for part in shapely.get_parts(shared)
            if part.geom_type == "Polygon" and part.area > 1e-10
        ]
    return _points_inside(overlaps, rng, count)


def _gap_points(kelurahan, rng, count) -> list[tuple[float, float]]:
    union = shapely.union_all(list(kelurahan.values()))
    holes = [
        Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors
    ]
    holes = [hole for hole in holes if hole.area > 1e-10]
    return _points_inside(holes, rng, count)


def _outside_ring_points(outline, rng, per_ring) -> list[tuple[float, float]]:
    centre = outline.centroid
    to_metres = equidistant_transformer(centre.x, centre.y)
    to_degrees = equidistant_transformer(centre.x, centre.y)
    projected = transform_geometry(outline, to_metres)
    points = []
    for distance in OUTSIDE_RING_M:
        buffered = projected.buffer(distance, quad_segs=32)
        ring = shapely.MultiLineString(
            [part.exterior for part in shapely.get_parts(buffered)]
        )
        for fraction in rng.uniform(0.0, 1.0, size=per_ring).tolist():
            x, y = ring.interpolate(fraction, normalized=True).coords[0]
            lon, lat = to_degrees.transform(x, y, direction="INVERSE")
            points.append((lon, lat))
    return points


def _random_points(outline, rng, count) -> list[tuple[float, float]]:
    west, south, east, north = outline.buffer(0.02).bounds
    return list(
        zip(
            rng.uniform(west, east, count).tolist(),
            rng.uniform(south, north, count).tolist(),
        )
    )


@pytest.fixture(scope="module")
def sample_points(reference) -> dict[str, list[tuple[float, float]]]:
    kelurahan, outline = reference.kelurahan, reference.outline
    return {
        "random": _random_points(outline, numpy.random.default_rng(3671), 2000),
        "shared_edge": _shared_edge_points(kelurahan, numpy.random.default_rng(1), 300),
        "shared_vertex": _shared_vertex_points(
            kelurahan, numpy.random.default_rng(2), 150
        ),
        "overlap": _overlap_points(kelurahan, numpy.random.default_rng(3), 250),
        "gap": _gap_points(kelurahan, numpy.random.default_rng(4), 250),
        "outside_ring": _outside_ring_points(outline, numpy.random.default_rng(5), 30),
        "far": list(FAR_POINTS.values()),
    }


def _expected(reference: Reference, lon: float, lat: float) -> Expected:
    """Place a point with the reference and list the codes that tie with its choice."""
    placement = reference.locator.locate(lon, lat)
    if placement.match == "overlap":
        measured = _depths_inside(reference.locator, lon, lat)
    elif placement.match == "gap":
        measured = [
            (code, -distance)
            for code, distance in _nearest_distances(reference, lon, lat)
        ]
    else:
        return Expected(placement, frozenset([placement.code]))
    best = max(value for _, value in measured)
    return Expected(
        placement, frozenset(code for code, value in measured if best - value < TIE_M)
    )


def _depths_inside(locator: ShapelyLocator, lon: float, lat: float) -> list:
    point = Point(lon, lat)
    to_metres = point_equidistant_transformer(lon, lat)
    depths = []
    for index in locator.tree.query(point, predicate="within"):
        if shapely.dwithin(locator.boundaries[index], point, EDGE_TOLERANCE_DEG):
            continue
        boundary = transform_geometry(locator.boundaries[index], to_metres)
        depths.append((locator.codes[index], boundary.distance(Point(0, 0))))
    return depths


def _nearest_distances(reference: Reference, lon: float, lat: float) -> list:
    point = Point(lon, lat)
    to_metres = point_equidistant_transformer(lon, lat)
    closest = sorted(
        reference.kelurahan, key=lambda code: reference.kelurahan[code].distance(point)
    )[:5]
    return [
        (
            code,
            transform_geometry(reference.kelurahan[code], to_metres).distance(
                Point(0, 0)
            ),
        )
        for code in closest
    ]


@pytest.fixture(scope="module")
def located(app, loaded_city, sample_points) -> dict:
    """Every sample point located by one locate_points call, by category."""
    everything = [point for points in sample_points.values() for point in points]
    with app.extensions["aduan"].engine.connect() as conn:
        locations = locate_points(conn, loaded_city, everything)
    by_category = {}
    start = 0
    for category, points in sample_points.items():
        by_category[category] = locations[start : start + len(points)]
        start += len(points)
    return by_category


@pytest.fixture(scope="module")
def expected(reference, sample_points) -> dict:
    return {
        category: [_expected(reference, lon, lat) for lon, lat in points]
        for category, points in sample_points.items()
    }


def _distance_agrees(found: float | None, wanted: float | None) -> bool:
    if found is None or wanted is None:
        return found is wanted
    return abs(found - wanted) <= max(DISTANCE_ABS_M, DISTANCE_REL * wanted)


CATEGORIES = [
    "random",
    "shared_edge",
    "shared_vertex",
    "overlap",
    "gap",
    "outside_ring",
    "far",
]


def test_locate_sample_has_2000_random_points(sample_points):
    assert len(sample_points["random"]) >= 2000


@pytest.mark.parametrize("category", CATEGORIES)
def test_locate_match_agrees_with_shapely(category, sample_points, located, expected):
    wrong = [
        (point, location.match, wanted.placement.match)
        for point, location, wanted in zip(
            sample_points[category], located[category], expected[category]
        )
        if location.match != wanted.placement.match
    ]
    assert wrong == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_locate_kelurahan_agrees_with_shapely(
    category, sample_points, located, expected
):
    wrong = [
        (point, location.area.code if location.area else None, sorted(wanted.codes))
        for point, location, wanted in zip(
            sample_points[category], located[category], expected[category]
        )
        if (location.area.code if location.area else None) not in wanted.codes
    ]
    assert wrong == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_locate_kecamatan_is_parent_of_kelurahan(category, reference, located):
    wrong = [
        (
            location.area.code,
            location.parent_area.code if location.parent_area else None,
        )
        for location in located[category]
        if location.area is not None
        and (
            location.parent_area is None
            or location.parent_area.code != reference.parents[location.area.code]
        )
    ]
    assert wrong == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_locate_outside_flag_agrees_with_shapely(category, located, expected):
    wrong = [
        index
        for index, (location, wanted) in enumerate(
            zip(located[category], expected[category])
        )
        if location.outside != (wanted.placement.match == "outside")
    ]
    assert wrong == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_locate_distance_agrees_with_shapely(
    category, sample_points, located, expected
):
    wrong = [
        (point, location.distance_m, wanted.placement.distance_m)
        for point, location, wanted in zip(
            sample_points[category], located[category], expected[category]
        )
        if not _distance_agrees(location.distance_m, wanted.placement.distance_m)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "category, match, share",
    [
        ("shared_edge", "boundary", 1.0),
        ("shared_vertex", "boundary", 1.0),
        ("overlap", "overlap", 1.0),
        ("gap", "gap", 1.0),
        ("outside_ring", "outside", 1.0),
        ("far", "outside", 1.0),
        ("random", "inside", 0.25),
    ],
)
def test_locate_sample_reaches_its_case(category, match, share, located):
    """Each category of points really exercises the rule it was drawn for."""
    matches = [location.match for location in located[category]]
    assert matches.count(match) >= share * len(matches)


def test_locate_outside_ring_distance_is_ring_distance(sample_points, located):
    per_ring = len(sample_points["outside_ring"]) // len(OUTSIDE_RING_M)
    wrong = []
    for index, location in enumerate(located["outside_ring"]):
        ring_m = OUTSIDE_RING_M[index // per_ring]
        # A buffer ring approximates arcs by chords, a little inside the true ring.
        if not ring_m * 0.995 - 0.05 <= location.distance_m <= ring_m + 0.05:
            wrong.append((ring_m, location.distance_m))
    assert wrong == []


def test_locate_ties_are_few(expected):
    """Few points depend on the tie allowance, so the comparison stays strict.

    Overlaps are slivers a few metres wide, so in them depths often differ by
    less than TIE_M; elsewhere ties are rare.
    """
    ties = sum(len(item.codes) > 1 for items in expected.values() for item in items)
    total = sum(len(items) for items in expected.values())
    assert ties <= 0.1 * total


@pytest.fixture(scope="module")
def surface_sample(sample_points) -> list[tuple[float, float]]:
    """A few points of every category, for the CLI and the API."""
    chosen = []
    for points in sample_points.values():
        chosen += points[:: max(len(points) // 8, 1)][:8]
    return chosen


def test_locate_cli_csv_gives_locate_points_objects(
    runner, engine, loaded_city, surface_sample
):
    from app.cli import cli

    lines = "".join(f"{lat!r},{lon!r}\n" for lon, lat in surface_sample)
    result = runner.invoke(cli, ["locate", "--csv", "-"], input="lat,lon\n" + lines)
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    with engine.connect() as conn:
        wanted = [
            location.as_json(loaded_city)
            for location in locate_points(conn, loaded_city, surface_sample)
        ]
    assert result.exit_code == 0
    assert printed == wanted


def test_locate_api_gives_locate_points_objects(
    client, engine, loaded_city, surface_sample
):
    answered = []
    for lon, lat in surface_sample:
        response = client.get(
            "/api/locate?" + urlencode({"lat": repr(lat), "lon": repr(lon)})
        )
        answered.append(response.get_json())
    with engine.connect() as conn:
        wanted = [
            location.as_json(loaded_city)
            for location in locate_points(conn, loaded_city, surface_sample)
        ]
    assert answered == wanted


EDGE_OFFSETS_DEG = (0.0, 1e-12, 1e-10, 5e-10, 2e-9, 1e-8, 1e-7)

EDGE_PREDICATES = text(
    """
    SELECT ST_Intersects(a.geom, p.geom) AS covers,
           ST_DWithin(ST_Boundary(a.geom), p.geom, :tolerance) AS on_boundary
    FROM area a,
         (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) AS p
    WHERE a.boundary_version_id = :version AND a.code = :code
    """
)


def _edge_probes(kelurahan, rng, count):
    """Points on kelurahan edges moved across the edge by each offset."""
    codes = sorted(kelurahan)
    probes = []
    for _ in range(count):
        code = codes[rng.integers(len(codes))]
        ring = kelurahan[code].geoms[0].exterior
        segment = int(rng.integers(len(ring.coords) - 1))
        (x0, y0), (x1, y1) = ring.coords[segment], ring.coords[segment + 1]
        fraction = float(rng.uniform())
        length = numpy.hypot(x1 - x0, y1 - y0)
        normal = (-(y1 - y0) / length, (x1 - x0) / length)
        for offset in EDGE_OFFSETS_DEG:
            for sign in (1, -1):
                lon = x0 + fraction * (x1 - x0) + sign * offset * normal[0]
                lat = y0 + fraction * (y1 - y0) + sign * offset * normal[1]
                probes.append((code, offset, lon, lat))
    return probes


def test_postgis_and_shapely_edge_predicates_agree(engine, loaded_city, reference):
    """ST_Intersects/ST_DWithin and Shapely agree wherever the rules use them.

    Inside the edge tolerance the point counts as on the boundary and whether
    it is covered does not matter, so only on_boundary must agree there.
    """
    rng = numpy.random.default_rng(9)
    probes = _edge_probes(reference.kelurahan, rng, 100)
    disagreements = []
    with engine.connect() as conn:
        version = conn.execute(
            text(
                "SELECT id FROM boundary_version "
                "WHERE city_code = '36.71' AND is_current"
            )
        ).scalar()
        for code, offset, lon, lat in probes:
            row = conn.execute(
                EDGE_PREDICATES,
                {
                    "version": version,
                    "code": code,
                    "lon": lon,
                    "lat": lat,
                    "tolerance": EDGE_TOLERANCE_DEG,
                },
            ).one()
            polygon = reference.kelurahan[code]
            point = Point(lon, lat)
            on_boundary = shapely.dwithin(polygon.boundary, point, EDGE_TOLERANCE_DEG)
            if row.on_boundary != on_boundary:
                disagreements.append(("on_boundary", offset, lon, lat))
            elif not on_boundary and row.covers != polygon.covers(point):
                disagreements.append(("covers", offset, lon, lat))
    assert disagreements == []


def _invoke(runner, *args, input=None):
    from app.cli import cli

    return runner.invoke(cli, ["locate", *args], input=input)


def _no_traceback(result) -> bool:
    """A handled CLI error ends in SystemExit; anything else would print a traceback."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_locate_negative_lat_without_separator(runner, loaded_city):
    result = _invoke(runner, "-6.17", "106.63")
    located = json.loads(result.stdout)
    assert result.exit_code == 0
    assert located["kelurahan_code"] == "36.71.01.1001"
    assert located["kecamatan_code"] == "36.71.01"
    assert located["match"] == "inside"


def test_cli_locate_outside_point_gives_distance(runner, loaded_city, reference):
    result = _invoke(runner, "-6.5", "106.63")
    located = json.loads(result.stdout)
    wanted = reference.locator.locate(106.63, -6.5)
    assert result.exit_code == 0
    assert located["outside"] is True
    assert located["kelurahan_code"] is None
    assert located["kecamatan_code"] is None
    assert located["distance_m"] == pytest.approx(wanted.distance_m, abs=DISTANCE_ABS_M)


def test_cli_locate_csv_line_per_line(runner, loaded_city):
    lines = [
        "-6.17,106.63",
        "",
        "garbage",
        "nan,106.63",
        "-6.17,200",
        "95,106.63",
        "-6.17;106.63",
        "-6.5, 106.63",
    ]
    result = _invoke(runner, "--csv", "-", input="lat,lon\n" + "\n".join(lines) + "\n")
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert len(printed) == len(lines)
    assert printed[0]["kelurahan_code"] == "36.71.01.1001"
    assert printed[1] == {"line": 3, "error": "blank line; expected 'lat,lon'"}
    assert printed[2] == {"line": 4, "error": "expected 'lat,lon', got 'garbage'"}
    assert printed[3] == {
        "line": 5,
        "error": "lat nan and lon 106.63 must be finite numbers",
    }
    assert printed[4] == {"line": 6, "error": "lon 200.0 is outside -180..180"}
    assert printed[5] == {"line": 7, "error": "lat 95.0 is outside -90..90"}
    assert printed[6] == {"line": 8, "error": "expected 'lat,lon', got '-6.17;106.63'"}
    assert printed[7]["outside"] is True
    assert "6 lines could not be read" in result.stderr


def test_cli_locate_csv_all_good_exits_zero(runner, loaded_city):
    result = _invoke(runner, "--csv", "-", input="-6.17,106.63\r\n-6.5,106.63\r\n")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


def test_cli_locate_csv_invalid_utf8_line_reported(runner, loaded_city):
    result = _invoke(
        runner, "--csv", "-", input=b"\xef\xbb\xbflat,lon\n\xff\xfe,1\n-6.17,106.63\n"
    )
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert _no_traceback(result)
    assert printed[0] == {
        "line": 2,
        "error": "the line is not UTF-8 text; save the file as UTF-8",
    }
    assert printed[1]["kelurahan_code"] == "36.71.01.1001"


@pytest.mark.parametrize(
    "args, message",
    [
        (("abc", "106.63"), "'abc' is not a valid float"),
        (("-6.17",), "Give LAT and LON"),
        (("95", "106.63"), "lat 95.0 is outside -90..90"),
        (("-6.17", "106.63", "--csv", "-"), "Give either LAT LON or --csv, not both."),
        (("--csv", "/nonexistent/points.csv"), "No such file or directory"),
    ],
)
def test_cli_locate_usage_errors_without_traceback(runner, loaded_city, args, message):
    result = _invoke(runner, *args)
    assert result.exit_code == 2
    assert _no_traceback(result)
    assert "Traceback" not in result.output
    assert message in result.stderr


# Boston has one area level, the 22 wards, and lies at latitude 42, where a
# degree of longitude is a quarter shorter than at Tangerang.
BOSTON_CITY = """
[[city]]
code = "boston"
name = "Boston"
timezone = "America/New_York"
holidays = { country = "US", subdivision = "MA" }

[[city.levels]]
key = "ward"
name_id = "Ward"
name_en = "Ward"
"""
BOSTON_311 = "boston_311_2015_streetlight_pothole_sidewalk.csv"
# 1,586 records sit on this point, a default for requests without a location.
BOSTON_DEFAULT_POINT = ("42.3594", "-71.0587")


@pytest.fixture(scope="module")
def boston_dir():
    folder = real311_dir()
    if folder is None or not (folder / "boston" / "boston_wards.geojson").exists():
        pytest.fail("The Boston 311 data is missing; set ADUAN_REAL311_DIR.")
    return folder / "boston"


@pytest.fixture(scope="module")
def boston_app(app, loaded_city, boston_dir, tmp_path_factory):
    """An app whose default city is Boston, on the session database."""
    folder = tmp_path_factory.mktemp("boston")
    cities = folder / "cities.toml"
    cities.write_text(BOSTON_CITY, encoding="utf-8")
    settings = dataclasses.replace(
        app.extensions["aduan"].settings,
        cities_file=cities,
        default_city="boston",
        var_dir=folder,
    )
    application = create_app(settings)
    application.config.update(TESTING=True)
    result = application.test_cli_runner().invoke(
        cli,
        [
            "boundaries",
            "load",
            str(boston_dir / "boston_wards.geojson"),
            "--level",
            "ward",
            "--code-field",
            "ward",
            "--name-field",
            "name",
        ],
    )
    assert result.exit_code == 0, result.output
    yield application
    application.extensions["aduan"].dispose()


@pytest.fixture(scope="module")
def boston_reference(boston_dir) -> ShapelyLocator:
    wards = read_boundary_file(boston_dir / "boston_wards.geojson")
    report = check_boundaries(
        wards.features,
        "boston",
        [LevelSpec("ward", None)],
        level="ward",
        fields=FieldNames(code="ward", name="name"),
    )
    areas = {area.code: area.geometry for area in report.areas}
    return ShapelyLocator(areas, derive_outline(report.areas))


def _ward_number(raw: str) -> str | None:
    digits = re.search(r"\d+", raw)
    return str(int(digits.group())) if digits else None


@pytest.fixture(scope="module")
def boston_requests(boston_dir) -> list[tuple[float, float, str]]:
    """2,000 located 311 requests that name their ward, drawn with a fixed seed."""
    with open(boston_dir / BOSTON_311, encoding="utf-8", newline="") as handle:
        rows = [
            (float(row["LONGITUDE"]), float(row["LATITUDE"]), _ward_number(row["ward"]))
            for row in csv.DictReader(handle)
            if (row["LATITUDE"], row["LONGITUDE"]) != BOSTON_DEFAULT_POINT
            and _ward_number(row["ward"])
        ]
    chosen = numpy.random.default_rng(2015).choice(len(rows), size=2000, replace=False)
    return [rows[index] for index in sorted(chosen)]


def test_boston_locate_has_ward_keys_only(boston_app):
    result = boston_app.test_cli_runner().invoke(cli, ["locate", "42.3601", "-71.0589"])
    located = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert set(located) == {
        "ward_code",
        "ward_name",
        "match",
        "outside",
        "distance_m",
        "near_border",
    }
    assert located["ward_code"] == "3"
    assert located["ward_name"] == "Ward 3"


def test_boston_311_records_fall_in_their_ward(boston_app, boston_requests):
    city = boston_app.extensions["aduan"].city
    with boston_app.extensions["aduan"].engine.connect() as conn:
        locations = locate_points(
            conn, city, [(lon, lat) for lon, lat, _ in boston_requests]
        )
    agree = sum(
        location.area is not None and location.area.code == ward
        for location, (_, _, ward) in zip(locations, boston_requests)
    )
    assert agree >= 0.98 * len(boston_requests)


def test_boston_locate_agrees_with_shapely(boston_app, boston_reference):
    """Matches, wards and distances near and away from Boston agree at latitude 42."""
    rng = numpy.random.default_rng(42)
    west, south, east, north = boston_reference.outline.buffer(0.03).bounds
    points = list(
        zip(
            rng.uniform(west, east, 400).tolist(),
            rng.uniform(south, north, 400).tolist(),
        )
    )
    points += _outside_ring_points(boston_reference.outline, rng, 10)
    city = boston_app.extensions["aduan"].city
    with boston_app.extensions["aduan"].engine.connect() as conn:
        locations = locate_points(conn, city, points)
    wrong = []
    for (lon, lat), location in zip(points, locations):
        wanted = boston_reference.locate(lon, lat)
        code = location.area.code if location.area else None
        if (
            location.match != wanted.match
            or code != wanted.code
            or not _distance_agrees(location.distance_m, wanted.distance_m)
        ):
            wrong.append(
                ((lon, lat), location.match, code, location.distance_m, wanted)
            )
    assert wrong == []


@pytest.mark.parametrize(
    "point",
    [(float("nan"), -6.17), (106.63, float("inf")), (500.0, -6.17), (106.63, -100.0)],
)
def test_locate_points_rejects_bad_coordinates(app, loaded_city, point):
    with app.extensions["aduan"].engine.connect() as conn:
        with pytest.raises(ValueError) as caught:
            locate_points(conn, loaded_city, [(106.63, -6.17), point])
    assert str(caught.value).startswith("Point 1 (lon ")


def test_locate_points_empty_input(app, loaded_city):
    with app.extensions["aduan"].engine.connect() as conn:
        assert locate_points(conn, loaded_city, []) == []


def test_cli_locate_hints_swapped_and_sign(runner, loaded_city):
    from app.cli import cli

    swapped = runner.invoke(cli, ["locate", "106.63", "-6.17"])
    assert swapped.exit_code == 2
    assert "look swapped" in swapped.output
    unsigned = runner.invoke(cli, ["locate", "6.17", "106.63"])
    assert unsigned.exit_code == 0
    assert "lack its minus sign" in unsigned.output
