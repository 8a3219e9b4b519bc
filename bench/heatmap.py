"""Benchmark the heatmap and hotspot endpoints at 14,000 and 1,000,000 complaints.

Run: .venv/bin/python bench/heatmap.py [--sizes 14012,1000000] [--repeat 3]
     [--boundaries DIR]

It creates (and drops) the database aduan_bench_planner on the local server that
`aduan db up` finds, loads the boundaries and the city's categories, and inserts
synthetic complaints: 80 % spread over the city outline and 20 % in ten dense
discs. Each endpoint is requested through the Flask test client, so the time
includes SQL, Gi*, Folium and JSON, but no network. Two baselines run in the
same process on the same rows, so their ratios carry over to other machines:

- scan: ``SELECT count(*)`` over the filtered complaints, the least any
  aggregation has to read;
- naive: every point fetched into Python and binned with numpy, which is what
  sending points to the page would start with.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.config import PROJECT_ROOT  # noqa: E402
from app.config import settings_from_env  # noqa: E402
from app.pgserver import find_or_start_server  # noqa: E402
from app.pgserver import with_database  # noqa: E402
from app.planner.synthetic import insert_complaints_in_city  # noqa: E402
from app.planner.synthetic import insert_complaints_in_disc  # noqa: E402

DATABASE = "aduan_bench_planner"
COMPLAINT_TABLES = (
    "idempotency_key, complaint_supporter, complaint_photo, complaint_event, "
    "complaint_contact, complaint, tracking_counter"
)
ENDPOINTS = ("/planner/heatmap", "/api/hotspots", "/planner/hotspots", "/api/stats")
# Ten cluster centres inside Kota Tangerang (lon, lat), 250 m discs.
CLUSTERS = (
    (106.630, -6.170),
    (106.640, -6.200),
    (106.600, -6.190),
    (106.690, -6.160),
    (106.710, -6.230),
    (106.660, -6.220),
    (106.580, -6.150),
    (106.620, -6.120),
    (106.700, -6.200),
    (106.650, -6.180),
)
YEAR_START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
YEAR_END = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def machine() -> str:
    """Describe the CPU, memory and software the numbers come from."""
    cpu = "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB RAM"
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}"
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def fresh_database(server: str) -> str:
    url = with_database(server, DATABASE)
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DATABASE)
            )
        )
    return url


def drop_database(server: str) -> None:
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DATABASE)
            )
        )


def prepare_app(url: str, boundary_dir: Path):
    """Create the app on the benchmark database and load boundaries and config."""
    import app.cli.boundaries  # noqa: F401 - registers boundaries load
    import app.cli.intake  # noqa: F401 - registers config load
    from app.cli import cli

    settings = dataclasses.replace(
        settings_from_env(), database_url=url, log_level="WARNING"
    )
    app = create_app(settings)
    runner = app.test_cli_runner()
    for arguments in (
        ["db", "up"],
        ["boundaries", "load", str(boundary_dir)],
        ["config", "load"],
    ):
        result = runner.invoke(cli, arguments)
        if result.exit_code != 0:
            raise SystemExit(f"aduan {' '.join(arguments)} failed:\n{result.output}")
    return app


def fill(engine, size: int) -> float:
    """Replace the complaints with ``size`` synthetic ones; return the seconds taken."""
    started = time.perf_counter()
    clustered = size // 5
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")
        insert_complaints_in_city(
            conn,
            "36.71",
            size - clustered,
            seed=1,
            received_from=YEAR_START,
            received_until=YEAR_END,
        )
        for number, (lon, lat) in enumerate(CLUSTERS):
            share = clustered // len(CLUSTERS) + (number < clustered % len(CLUSTERS))
            insert_complaints_in_disc(
                conn,
                "36.71",
                share,
                lon,
                lat,
                250.0,
                received_from=YEAR_START,
                received_until=YEAR_END,
                seed=number + 2,
                prefix=f"C{number}",
            )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE complaint"
        )
    return time.perf_counter() - started


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scan_baseline(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM complaint WHERE city_code = '36.71'"))


def naive_baseline(engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(location), ST_Y(location) FROM complaint "
                "WHERE city_code = '36.71' AND location IS NOT NULL"
            )
        ).all()
    points = np.array(rows, dtype=float)
    np.histogram2d(points[:, 0], points[:, 1], bins=(99, 80))


def measure(app, size: int, repeat: int) -> list[dict]:
    engine = app.extensions["aduan"].engine
    fill_seconds = fill(engine, size)
    client = app.test_client()
    scan = median_seconds(lambda: scan_baseline(engine), repeat)
    naive = median_seconds(lambda: naive_baseline(engine), repeat)
    rows = []
    for path in ENDPOINTS:
        client.get(path)  # warm caches: grid, catalogues, table pages
        sizes = []

        def request(path=path, sizes=sizes):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} returned status {response.status_code}")
            sizes.append(len(response.get_data()))

        seconds = median_seconds(request, repeat)
        rows.append(
            {
                "complaints": size,
                "path": path,
                "seconds": seconds,
                "bytes": sizes[-1],
                "scan": scan,
                "naive": naive,
                "fill": fill_seconds,
            }
        )
    return rows


def report(rows: list[dict]) -> str:
    lines = [
        "| complaints | endpoint | median s | response bytes | x scan | x naive |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['complaints']:,} | `{row['path']}` | {row['seconds']:.2f} | "
            f"{row['bytes']:,} | {row['seconds'] / row['scan']:.1f} | "
            f"{row['seconds'] / row['naive']:.2f} |"
        )
    baselines = sorted(
        {(row["complaints"], row["scan"], row["naive"], row["fill"]) for row in rows}
    )
    lines.append("")
    for complaints, scan, naive, fill_seconds in baselines:
        lines.append(
            f"- {complaints:,} complaints: scan {scan * 1000:.1f} ms, "
            f"naive {naive:.2f} s, "
            f"insert and analyse {fill_seconds:.0f} s"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="14012,1000000",
        help="Numbers of complaints, comma-separated.",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Requests per endpoint; the median is reported.",
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=Path(
            os.environ.get(
                "ADUAN_BOUNDARY_DIR",
                PROJECT_ROOT.parent / "shared" / "data" / "boundaries",
            )
        ),
        help="Folder with the Kota Tangerang boundary files.",
    )
    arguments = parser.parse_args()
    sizes = [int(part) for part in arguments.sizes.split(",")]

    server = find_or_start_server(PROJECT_ROOT / "var")
    app = prepare_app(fresh_database(server), arguments.boundaries)
    print(f"Machine: {machine()}")
    print(f"Load average before: {load_average()}")
    try:
        rows = [row for size in sizes for row in measure(app, size, arguments.repeat)]
        with app.extensions["aduan"].engine.connect() as conn:
            versions = conn.execute(
                text("SELECT split_part(version(), ' on ', 1), postgis_lib_version()")
            ).one()
    finally:
        app.extensions["aduan"].dispose()
        drop_database(server)
    print(f"Database: {versions[0]}, PostGIS {versions[1]}")
    print(f"Load average after: {load_average()}")
    print(report(rows))


if __name__ == "__main__":
    main()
