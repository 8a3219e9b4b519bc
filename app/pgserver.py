"""Find a running PostgreSQL server, or start a private cluster under var/postgres."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "peta_aduan"
PRIVATE_PORT = 55432
PRIVATE_USER = "aduan"

# Servers tried, in order, when DATABASE_URL is unset. Each URL names the
# maintenance database, which is replaced by the application database once a
# connection succeeds.
LOCAL_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://postgres@/postgres?host=/var/run/postgresql",
)


class ServerError(Exception):
    """No PostgreSQL server could be found or started; the message gives the fix."""


def server_answers(url: str) -> bool:
    """Return whether a connection to the URL succeeds within a few seconds."""
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error as error:
        log.debug("no server at %s: %s", _host_of(url), error)
        return False


def find_or_start_server(var_dir: Path) -> str:
    """Return a libpq URL of the application database on a local server.

    Tries the server remembered in var/database-url, then the local candidates,
    then starts a Debian cluster that is down, and last a private cluster.
    """
    remembered = var_dir / "database-url"
    if remembered.exists():
        url = remembered.read_text(encoding="utf-8").strip()
        if server_answers(_maintenance_url(url)) or _start_private_if_ours(url, var_dir):
            return url

    url = _probe_local_candidates()
    if url is None and _start_debian_clusters():
        url = _probe_local_candidates()
    if url is None:
        url = start_private_cluster(var_dir)

    var_dir.mkdir(parents=True, exist_ok=True)
    remembered.write_text(url + "\n", encoding="utf-8")
    return url


def _probe_local_candidates() -> str | None:
    for candidate in LOCAL_CANDIDATES:
        if server_answers(candidate):
            log.info("using the PostgreSQL server at %s", _host_of(candidate))
            return with_database(candidate, DEFAULT_DATABASE)
    return None


def with_database(url: str, database: str) -> str:
    """Return the libpq URL with its database name replaced."""
    head, _, query = url.partition("?")
    base = head.rsplit("/", 1)[0] + "/" + database
    return f"{base}?{query}" if query else base


def _maintenance_url(url: str) -> str:
    return with_database(url, "postgres")


def _host_of(url: str) -> str:
    return url.split("@", 1)[-1]


def _start_debian_clusters() -> bool:
    """Start Debian clusters that are down (root only); return whether any started."""
    if os.geteuid() != 0 or shutil.which("pg_lsclusters") is None:
        return False
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    started = False
    for line in listing.stdout.splitlines():
        version, name, _port, status, *_ = line.split()
        if status == "online":
            continue
        log.info("starting the PostgreSQL %s cluster %s", version, name)
        result = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            started = True
        else:
            log.warning("pg_ctlcluster %s %s failed: %s", version, name, result.stderr)
    return started


def _postgres_bin_dir() -> Path:
    """Return the newest /usr/lib/postgresql/<major>/bin that has initdb."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise ServerError(
        "No PostgreSQL server accepts connections and initdb is not installed. "
        "Install PostgreSQL with PostGIS (Debian: apt-get install postgresql "
        "postgresql-15-postgis-3) or set DATABASE_URL to an existing server."
    )


def _cluster_owner() -> str | None:
    """Return the unprivileged user that runs the private cluster, or None if not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", PRIVATE_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
         PRIVATE_USER],
        check=True,
    )
    return PRIVATE_USER


def _run_as(owner: str | None, command: list[str]) -> subprocess.CompletedProcess:
    if owner is not None:
        command = ["runuser", "-u", owner, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def start_private_cluster(var_dir: Path) -> str:
    """Create (once) and start a cluster in var/postgres on 127.0.0.1:55432.

    initdb refuses to run as root, so as root the cluster belongs to the
    postgres system user (or a new system user `aduan`).
    """
    bin_dir = _postgres_bin_dir()
    owner = _cluster_owner()
    cluster_dir = var_dir / "postgres"
    data_dir = cluster_dir / "data"
    socket_dir = cluster_dir / "run"
    for folder in (cluster_dir, socket_dir):
        folder.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            shutil.chown(folder, user=owner)
    if owner is not None and _run_as(owner, ["test", "-w", str(socket_dir)]).returncode:
        raise ServerError(
            f"The system user {owner} cannot reach {cluster_dir}, so the private "
            "PostgreSQL cluster cannot start there. Set ADUAN_VAR_DIR to a folder that "
            f"{owner} can reach (for example /var/lib/peta-aduan), or set DATABASE_URL."
        )

    if not (data_dir / "PG_VERSION").exists():
        log.info("initialising a private PostgreSQL cluster in %s", data_dir)
        result = _run_as(owner, [
            str(bin_dir / "initdb"), "-D", str(data_dir), "-U", PRIVATE_USER,
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
        ])
        if result.returncode != 0:
            raise ServerError(f"initdb failed in {data_dir}: {result.stderr.strip()}")

    url = f"postgresql://{PRIVATE_USER}@127.0.0.1:{PRIVATE_PORT}/{DEFAULT_DATABASE}"
    if server_answers(_maintenance_url(url)):
        return url
    log.info("starting the private PostgreSQL cluster on port %d", PRIVATE_PORT)
    options = f"-p {PRIVATE_PORT} -k {socket_dir} -c listen_addresses=127.0.0.1"
    result = _run_as(owner, [
        str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l",
        str(cluster_dir / "server.log"), "-o", options, "-w", "start",
    ])
    if result.returncode != 0:
        raise ServerError(
            f"pg_ctl could not start the cluster in {data_dir}: "
            f"{result.stderr.strip() or result.stdout.strip()}; "
            f"see {cluster_dir / 'server.log'}."
        )
    return url


def _start_private_if_ours(url: str, var_dir: Path) -> bool:
    if f":{PRIVATE_PORT}/" not in url or not (var_dir / "postgres" / "data").exists():
        return False
    start_private_cluster(var_dir)
    return True
