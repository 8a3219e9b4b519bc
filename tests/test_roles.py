"""Every endpoint of the URL map against every role, from one table of allow and deny.

A new endpoint fails test_role_table_covers_every_endpoint until it gets a row.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import COMPLAINT_TABLES
from tests.test_crew_support import PASSWORD
from tests.test_crew_support import SUKARASA
from tests.test_crew_support import file_complaint
from tests.test_crew_support import jpeg_bytes
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture

PUBLIC = "public"
ANY_STAFF = ("crew", "opd_admin", "planner", "admin")
CREW = ("crew", "opd_admin", "admin")
MANAGERS = ("opd_admin", "admin")
PLANNERS = ("planner", "admin")

# The account that plays each role; the OPD roles belong to DPUPR.
PLAYERS = {
    "anonymous": None,
    "crew": "crew-dpupr",
    "opd_admin": "opdadmin-dpupr",
    "planner": "planner",
    "admin": "admin",
}

# (method, rule) -> PUBLIC or the roles allowed. Anonymous callers of a staff
# endpoint must be sent to log in (401 under /api/, a redirect for pages), and
# other roles get 403.
ACCESS = {
    # Citizen pages and their JSON API.
    ("GET", "/"): PUBLIC,
    ("POST", "/"): PUBLIC,
    ("GET", "/lacak"): PUBLIC,
    ("GET", "/lacak/<code>"): PUBLIC,
    ("POST", "/lacak/<code>/buka-kembali"): PUBLIC,
    ("POST", "/lacak/<code>/dukung"): PUBLIC,
    ("POST", "/lacak/<code>/foto"): PUBLIC,
    ("POST", "/lacak/<code>/konfirmasi"): PUBLIC,
    ("GET", "/peta"): PUBLIC,
    ("GET", "/peta/wilayah.geojson"): PUBLIC,
    ("GET", "/foto/<name>"): PUBLIC,
    ("POST", "/api/complaints"): PUBLIC,
    ("GET", "/api/complaints"): PUBLIC,
    ("GET", "/api/complaints/<code>"): PUBLIC,
    ("POST", "/api/complaints/<code>/area"): PUBLIC,
    ("POST", "/api/complaints/<code>/confirm"): PUBLIC,
    ("POST", "/api/complaints/<code>/photos"): PUBLIC,
    ("POST", "/api/complaints/<code>/reopen"): PUBLIC,
    ("POST", "/api/complaints/<code>/support"): PUBLIC,
    ("GET", "/api/nearby"): PUBLIC,
    ("POST", "/api/photos"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/locate"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/vendor/<library>/<path:filename>"): PUBLIC,
    # Open311 GeoReport v2, public by its standard.
    ("GET", "/open311/v2/"): PUBLIC,
    ("POST", "/open311/v2/"): PUBLIC,
    ("PUT", "/open311/v2/"): PUBLIC,
    ("PATCH", "/open311/v2/"): PUBLIC,
    ("DELETE", "/open311/v2/"): PUBLIC,
    ("GET", "/open311/v2/<path:rest>"): PUBLIC,
    ("POST", "/open311/v2/<path:rest>"): PUBLIC,
    ("PUT", "/open311/v2/<path:rest>"): PUBLIC,
    ("PATCH", "/open311/v2/<path:rest>"): PUBLIC,
    ("DELETE", "/open311/v2/<path:rest>"): PUBLIC,
    ("GET", "/open311/v2/discovery.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/requests.<fmt>"): PUBLIC,
    ("POST", "/open311/v2/requests.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/requests/<service_request_id>.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/services.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/services/<service_code>.<fmt>"): PUBLIC,
    # Log-in and tokens.
    ("GET", "/petugas/masuk"): PUBLIC,
    ("POST", "/petugas/masuk"): PUBLIC,
    ("POST", "/petugas/keluar"): PUBLIC,
    ("POST", "/api/auth/token"): PUBLIC,
    ("DELETE", "/api/auth/token"): ANY_STAFF,
    # Field crews.
    ("GET", "/petugas/tugas"): CREW,
    ("GET", "/petugas/rute"): CREW,
    ("GET", "/petugas/tugas/<code>"): CREW,
    ("POST", "/petugas/tugas/<code>/ambil"): CREW,
    ("POST", "/petugas/tugas/<code>/catatan"): CREW,
    ("POST", "/petugas/tugas/<code>/selesai"): CREW,
    ("POST", "/petugas/tugas/<code>/kembalikan"): CREW,
    ("GET", "/petugas/foto/<int:photo_id>"): CREW,
    ("GET", "/api/crew/tasks"): CREW,
    ("GET", "/api/crew/route"): CREW,
    ("GET", "/api/crew/tasks/<code>"): CREW,
    ("POST", "/api/crew/tasks/<code>/take"): CREW,
    ("POST", "/api/crew/tasks/<code>/notes"): CREW,
    ("POST", "/api/crew/tasks/<code>/finish"): CREW,
    ("POST", "/api/crew/tasks/<code>/hand-back"): CREW,
    # OPD admins and admins.
    ("GET", "/admin/pengguna"): MANAGERS,
    ("POST", "/admin/pengguna"): MANAGERS,
    ("POST", "/admin/pengguna/<int:user_id>/kata-sandi"): MANAGERS,
    ("POST", "/admin/pengguna/<int:user_id>/aktif"): MANAGERS,
    ("GET", "/admin/terlambat"): MANAGERS,
    ("GET", "/admin/opd"): MANAGERS,
    ("POST", "/admin/opd"): MANAGERS,
    ("POST", "/admin/aduan/<code>/tugaskan"): MANAGERS,
    ("POST", "/admin/aduan/<code>/tolak"): MANAGERS,
    ("POST", "/admin/aduan/<code>/alihkan"): MANAGERS,
    # Planners' analysis pages, exports and JSON.
    ("GET", "/planner/"): PLANNERS,
    ("GET", "/planner/areas"): PLANNERS,
    ("GET", "/planner/heatmap"): PLANNERS,
    ("GET", "/planner/hotspots"): PLANNERS,
    ("GET", "/planner/hotspots/months"): PLANNERS,
    ("GET", "/planner/export.csv"): PLANNERS,
    ("GET", "/planner/export.geojson"): PLANNERS,
    ("GET", "/api/hotspots"): PLANNERS,
    ("GET", "/api/stats"): PLANNERS,
}

# Sample values of records that do not exist.
MISSING = {"code": "ADU-2000-999999", "photo_id": 999999, "user_id": 999999}
_ERROR_ID = re.compile(r"<code>[0-9a-f]{8}</code>")
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def url_map_entries(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_role_table_covers_every_endpoint(app):
    missing = sorted(url_map_entries(app) - set(ACCESS))
    assert missing == [], "add these endpoints to ACCESS in tests/test_roles.py"


def test_role_table_has_no_stale_rows(app):
    stale = sorted(set(ACCESS) - url_map_entries(app))
    assert stale == []


@pytest.fixture(scope="module")
def samples(app, staff_accounts):  # noqa: F811
    """Records the sample URLs point at: a DPUPR complaint, photo and crew account.

    The rows of the table may change the complaint, for example take it. Each
    row checks only who gets past the access rules, not what the change does.
    """
    from app.admin.accounts import create_account
    from app.models import ComplaintPhoto
    from app.models import StaffUser
    from app.photos import process_photo
    from app.photos import store_photo

    services = app.extensions["aduan"]
    with services.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")
    complaint_id, code = file_complaint(app, *SUKARASA)
    photo = process_photo(jpeg_bytes(), max_bytes=10**6, max_pixels=10**7, max_side=800)
    name = store_photo(photo, services.settings.upload_dir)
    with services.new_session() as session:
        target = session.scalar(
            select(StaffUser).where(StaffUser.username == "crew-target")
        )
        if target is None:
            target = create_account(
                session, services.city.code, "crew-target", "crew", PASSWORD, "DPUPR"
            )
        row = ComplaintPhoto(
            complaint_id=complaint_id,
            kind="progress",
            stored_name=name,
            content_type="image/jpeg",
            width=photo.width,
            height=photo.height,
            byte_size=len(photo.data),
        )
        session.add(row)
        session.commit()
        return {"code": code, "photo_id": row.id, "user_id": target.id, "name": name}


def sample_url(rule: str, samples: dict) -> str:
    values = {
        "<code>": samples["code"],
        "<int:photo_id>": str(samples["photo_id"]),
        "<int:user_id>": str(samples["user_id"]),
        "<name>": samples["name"],
        "<path:filename>": "leaflet.js" if "vendor" in rule else "css/site.css",
        "<library>": "leaflet",
        "<fmt>": "json",
        "<service_code>": "jalan-rusak",
        "<service_request_id>": samples["code"],
        "<path:rest>": "nothing",
    }
    url = rule
    for placeholder, value in values.items():
        url = url.replace(placeholder, value)
    query = (
        "?lat=-6.17&lon=106.63"
        if rule in ("/petugas/rute", "/api/crew/tasks", "/api/crew/route")
        else ""
    )
    return url + query


def client_as(app, username: str | None):
    """A test client logged in as username (by session), with its CSRF token."""
    from app.auth import load_staff
    from app.models import StaffUser

    client = app.test_client()
    if username is not None:
        services = app.extensions["aduan"]
        with services.new_session() as session:
            user_id = session.scalar(
                select(StaffUser.id).where(StaffUser.username == username)
            )
            staff = load_staff(session, user_id)
        with client.session_transaction() as cookie:
            cookie["_user_id"] = staff.get_id()
            cookie["_fresh"] = True
    page = client.get("/petugas/masuk").get_data(as_text=True)
    return client, _CSRF_INPUT.search(page).group(1)


def bearer_for(app, username: str) -> dict[str, str]:
    from app.auth import issue_token
    from app.auth import load_staff
    from app.models import StaffUser

    services = app.extensions["aduan"]
    with services.new_session() as session:
        user_id = session.scalar(
            select(StaffUser.id).where(StaffUser.username == username)
        )
        token, _ = issue_token(session, load_staff(session, user_id))
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def call(app, method: str, rule: str, role: str, samples: dict):
    """Send the request of a table row as the role's player."""
    username = PLAYERS[role] if role in PLAYERS else role
    client, token = client_as(app, username)
    url = sample_url(rule, samples)
    api = url.startswith(("/api/", "/open311/"))
    headers = bearer_for(app, username) if api and username else {}
    kwargs = {"headers": headers}
    if method != "GET":
        if api:
            kwargs["json"] = {}
        else:
            kwargs["data"] = {"csrf_token": token}
    response = client.open(url, method=method, **kwargs)
    # Read and close streamed bodies here, inside this call, so their request
    # contexts end in order.
    response.get_data()
    response.close()
    return response


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 401 or (
        response.status_code in (302, 303) and "/petugas/masuk" in location
    ):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    return "allowed"


def expected_outcome(access, role: str) -> str:
    if role == "anonymous":
        return "login"
    return "allowed" if role in access else "forbidden"


ROWS = sorted(ACCESS.items())

# Rows whose endpoint does not apply its access rule yet. Strict, so the test
# fails once the rule is in place and the row has to leave this set.
NOT_ENFORCED_YET: dict[tuple[str, str], str] = {}


def _table_params():
    for row, access in ROWS:
        marks = []
        if row in NOT_ENFORCED_YET:
            marks = [pytest.mark.xfail(reason=NOT_ENFORCED_YET[row], strict=True)]
        yield pytest.param(row, access, marks=marks, id=f"{row[0]} {row[1]}")


@pytest.mark.parametrize(("row", "access"), list(_table_params()))
def test_role_table(app, samples, row, access):
    method, rule = row
    replies = {role: call(app, method, rule, role, samples) for role in PLAYERS}
    if access == PUBLIC:
        # A public endpoint returns the same status to every caller, logged in or not.
        statuses = {role: reply.status_code for role, reply in replies.items()}
        assert len(set(statuses.values())) == 1, statuses
        return
    for role, reply in replies.items():
        assert outcome(reply) == expected_outcome(access, role), (
            f"{role}: {reply.status_code} {reply.get_data(as_text=True)[:200]}"
        )
        if role in access:
            assert reply.status_code != 404, f"{role}: sample record not found"


def normalised(response, samples: dict) -> str:
    """Return the body with the record's own code or id and the error id masked."""
    body = response.get_data(as_text=True).replace(samples["code"], "CODE")
    for key in ("photo_id", "user_id"):
        body = re.sub(rf"(?<=[ :/]){samples[key]}(?=[ ,.}}?/])", "ID", body)
    return _ERROR_ID.sub("<code>ID</code>", body)


OPD_ROWS = [
    (row, access)
    for row, access in ROWS
    if access in (CREW, MANAGERS) and "<" in row[1]
]


@pytest.mark.parametrize(
    ("row", "access"), OPD_ROWS, ids=[f"{m} {r}" for (m, r), _ in OPD_ROWS]
)
@pytest.mark.parametrize("username", ["crew-dishub", "opdadmin-dishub"])
def test_other_opd_record_is_404_like_missing(app, samples, row, access, username):
    method, rule = row
    if username.startswith("crew") and access == MANAGERS:
        pytest.skip("a crew member is refused these endpoints by role (403)")
    other = call(app, method, rule, username, samples)
    missing = call(app, method, rule, username, {**samples, **MISSING})
    assert other.status_code == 404
    assert normalised(other, samples) == normalised(missing, MISSING)
