"""Benchmark point location: one batched query against one query per point and Shapely.

Run: .venv/bin/python bench/locate.py [--points 5000] [--boundaries DIR]

It creates (and drops) the database aduan_bench on the local server that `aduan db up`
finds, loads the boundaries and locates random points in and around the city. Times
are reported as ratios against the batched locate_points call, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import text

from app.boundary_store import store_boundaries
from app.config import PROJECT_ROOT
from app.config import load_cities
from app.database import make_engine
from app.database import make_session_factory
from app.dbsetup import database_up
from app.locate import locate_points
from app.pgserver import find_or_start_server
from app.pgserver import with_database
from geo.boundary_checks import LevelSpec
from geo.boundary_checks import check_boundaries
from geo.boundary_files import read_boundary_file
from geo.locate_rules import ShapelyLocator


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=5000)
    parser.add_argument("--boundaries", type=Path,
                        default=Path(os.environ.get("ADUAN_BOUNDARY_DIR",
                                                    PROJECT_ROOT / "data" / "boundaries")))
    args = parser.parse_args()

    city = load_cities(PROJECT_ROOT / "data" / "cities.toml")["36.71"]
    files = [read_boundary_file(path) for path in sorted(args.boundaries.glob("*.geojson"))]
    features = [feature for file in files for feature in file.features]
    report = check_boundaries(features, city.code,
                              [LevelSpec(level.key, level.code_parts) for level in city.levels])

    server = find_or_start_server(PROJECT_ROOT / "var")
    url = with_database(server, "aduan_bench")
    database_up(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            from app.boundary_store import upsert_city

            upsert_city(session, city)
            store_boundaries(session, city, files, report, force=True)
            session.commit()
            session.execute(text("ANALYZE area"))
            session.commit()

        rng = random.Random(7)
        points = [(rng.uniform(106.54, 106.76), rng.uniform(-6.27, -6.09))
                  for _ in range(args.points)]
        leaf = {a.code: a.geometry for a in report.areas if a.rank == 2}
        outline = next(a.geometry for a in report.areas if a.rank == 0)
        reference = ShapelyLocator(leaf, outline)

        with engine.connect() as conn:
            batched = timed(lambda: locate_points(conn, city, points))
            one_by_one = timed(lambda: [locate_points(conn, city, [p]) for p in points])
        shapely_time = timed(lambda: [reference.locate(lon, lat) for lon, lat in points])

        print(f"machine: {machine()}")
        print(f"points: {len(points)}")
        print(f"batched locate_points: {batched:.3f} s "
              f"({len(points) / batched:,.0f} points/s) = 1.00")
        print(f"one query per point:  ratio {one_by_one / batched:.2f}")
        print(f"Shapely reference:    ratio {shapely_time / batched:.2f}")
    finally:
        engine.dispose()
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier("aduan_bench")))


if __name__ == "__main__":
    main()
