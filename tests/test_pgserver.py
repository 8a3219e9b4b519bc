"""A private PostgreSQL cluster starts where no server runs, and serves PostGIS."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from app.dbsetup import database_up
from app.pgserver import ServerError
from app.pgserver import _cluster_owner
from app.pgserver import _postgres_bin_dir
from app.pgserver import start_private_cluster
from app.pgserver import with_database


def test_with_database_keeps_query():
    url = "postgresql://u@/postgres?host=/var/run/postgresql"
    assert with_database(url, "x") == "postgresql://u@/x?host=/var/run/postgresql"


@pytest.mark.slow
def test_private_cluster_starts_and_migrates():
    try:
        bin_dir = _postgres_bin_dir()
    except ServerError:
        pytest.skip("initdb is not installed")
    var_dir = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
    os.chmod(var_dir, 0o755)
    try:
        url = start_private_cluster(var_dir)
        assert url.endswith(":55432/peta_aduan")
        database_up(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        # A second call finds the running cluster instead of starting another.
        assert start_private_cluster(var_dir) == url
        with psycopg.connect(with_database(url, "postgres")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        owner = _cluster_owner()
        command = [str(bin_dir / "pg_ctl"), "-D", str(var_dir / "postgres" / "data"),
                   "stop", "-m", "fast"]
        if owner:
            command = ["runuser", "-u", owner, "--", *command]
        subprocess.run(command, capture_output=True, check=False)
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the folder to postgres")
def test_private_cluster_unreachable_folder(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir(mode=0o700)
    with pytest.raises(ServerError, match="cannot reach"):
        start_private_cluster(hidden / "var")
