"""Staff accounts: `aduan users` commands and the admin pages that manage them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.test_crew_support import PASSWORD
from tests.test_crew_support import csrf_token
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture


@pytest.fixture
def cli(runner, loaded_city):
    from app.cli import cli as group
    from app.cli import extensions  # noqa: F401 - registers feature commands

    def invoke(*args, password: str | None = None):
        return runner.invoke(group, list(args), input=password)

    return invoke


def account(engine, username):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT u.role, o.code AS opd, u.active, u.password_hash "
                "FROM staff_user u "
                "LEFT JOIN opd o ON o.id = u.opd_id WHERE u.username = :u"
            ),
            {"u": username},
        ).first()


def test_users_add_with_password_stdin(cli, engine):
    result = cli(
        "users",
        "add",
        "Petugas.Satu",
        "--role",
        "crew",
        "--opd",
        "dpupr",
        "--password-stdin",
        password="kata-sandi-panjang\n",
    )
    assert result.exit_code == 0, result.output
    stored = account(engine, "petugas.satu")
    assert (stored.role, stored.opd, stored.active) == ("crew", "DPUPR", True)
    assert "kata-sandi-panjang" not in stored.password_hash
    assert stored.password_hash.startswith("scrypt:")


def test_users_add_then_token_works(cli, client):
    cli(
        "users",
        "add",
        "petugas-dua",
        "--role",
        "opd_admin",
        "--opd",
        "DISHUB",
        "--password-stdin",
        password="kata-sandi-panjang\n",
    )
    response = client.post(
        "/api/auth/token",
        json={"username": "petugas-dua", "password": "kata-sandi-panjang"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name", "--role", "crew", "--opd", "DPUPR"], "invalid"),
        (["petugas-x", "--role", "crew"], "belongs to one OPD"),
        (["petugas-x", "--role", "planner", "--opd", "DPUPR"], "covers every OPD"),
        (["petugas-x", "--role", "crew", "--opd", "NOPE"], "Unknown OPD 'NOPE'"),
    ],
)
def test_users_add_rejects_bad_input(cli, engine, args, message):
    result = cli("users", "add", *args, "--password-stdin", password="kata-sandi-ok1\n")
    assert result.exit_code == 1
    assert message in result.output
    assert account(engine, "petugas-x") is None


def test_users_add_rejects_short_password(cli, engine):
    result = cli(
        "users",
        "add",
        "petugas-pendek",
        "--role",
        "admin",
        "--password-stdin",
        password="pendek\n",
    )
    assert result.exit_code == 1
    assert "10 to 200 characters" in result.output


def test_users_add_rejects_unknown_role(cli):
    result = cli(
        "users",
        "add",
        "petugas-y",
        "--role",
        "boss",
        "--password-stdin",
        password="kata-sandi-ok1\n",
    )
    assert result.exit_code == 2


def test_users_add_twice_is_rejected(cli):
    cli(
        "users",
        "add",
        "petugas-tiga",
        "--role",
        "planner",
        "--password-stdin",
        password="kata-sandi-ok1\n",
    )
    result = cli(
        "users",
        "add",
        "petugas-tiga",
        "--role",
        "planner",
        "--password-stdin",
        password="kata-sandi-ok1\n",
    )
    assert result.exit_code == 1
    assert "already taken" in result.output


def test_users_list_and_deactivate(cli, engine, staff_accounts):  # noqa: F811
    cli(
        "users",
        "add",
        "petugas-empat",
        "--role",
        "planner",
        "--password-stdin",
        password="kata-sandi-ok1\n",
    )
    assert cli("users", "deactivate", "petugas-empat").exit_code == 0
    listing = cli("users", "list").output
    assert "petugas-empat\tplanner\t-\tinactive" in listing
    assert account(engine, "petugas-empat").active is False


def test_users_set_password(cli, client):
    cli(
        "users",
        "add",
        "petugas-lima",
        "--role",
        "planner",
        "--password-stdin",
        password="kata-sandi-ok1\n",
    )
    result = cli(
        "users",
        "set-password",
        "petugas-lima",
        "--password-stdin",
        password="kata-sandi-baru\n",
    )
    assert result.exit_code == 0
    response = client.post(
        "/api/auth/token",
        json={"username": "petugas-lima", "password": "kata-sandi-baru"},
    )
    assert response.status_code == 201


def test_admin_page_lists_all_accounts(client, staff_accounts):  # noqa: F811
    login(client, "admin")
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert "crew-dishub" in page
    assert "planner" in page


def test_opd_admin_page_lists_own_opd_only(client, staff_accounts):  # noqa: F811
    login(client, "opdadmin-dpupr")
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert "crew-dpupr" in page
    assert "crew-dishub" not in page


def test_opd_admin_adds_crew_of_own_opd(client, engine, staff_accounts):  # noqa: F811
    login(client, "opdadmin-dpupr")
    response = client.post(
        "/admin/pengguna",
        data={
            "username": "crew-baru-dpupr",
            "password": "kata-sandi-ok1",
            "role": "admin",
            "opd": "DISHUB",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    stored = account(engine, "crew-baru-dpupr")
    assert (stored.role, stored.opd) == ("crew", "DPUPR")


def test_opd_admin_cannot_change_other_opd_user(client, staff_accounts):  # noqa: F811
    login(client, "opdadmin-dpupr")
    response = client.post(
        f"/admin/pengguna/{staff_accounts['crew-dishub']}/kata-sandi",
        data={"password": "kata-sandi-ok1", "csrf_token": csrf_token(client)},
    )
    missing = client.post(
        "/admin/pengguna/999999/kata-sandi",
        data={"password": "kata-sandi-ok1", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == missing.status_code == 404


def test_admin_cannot_deactivate_self(client, engine, staff_accounts):  # noqa: F811
    login(client, "admin")
    response = client.post(
        f"/admin/pengguna/{staff_accounts['admin']}/aktif",
        data={"active": "0", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 409
    assert account(engine, "admin").active is True


def test_admin_page_shows_error_for_bad_username(client, staff_accounts):  # noqa: F811
    login(client, "admin")
    response = client.post(
        "/admin/pengguna",
        data={
            "username": "x",
            "password": PASSWORD,
            "role": "planner",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 400
    assert "tidak valid" in response.get_data(as_text=True)


def test_opd_settings_toggle_result_photo(client, engine, staff_accounts):  # noqa: F811
    login(client, "opdadmin-dishub")
    client.post("/admin/opd", data={"csrf_token": csrf_token(client)})
    with engine.connect() as conn:
        required = conn.execute(
            text(
                "SELECT s.result_photo_required FROM opd_crew_setting s JOIN opd o "
                "ON o.id = s.opd_id WHERE o.code = 'DISHUB'"
            )
        ).scalar()
    client.post(
        "/admin/opd",
        data={"csrf_token": csrf_token(client), "result_photo_required": "1"},
    )
    assert required is False


def test_opd_settings_admin_chooses_opd(client, staff_accounts):  # noqa: F811
    login(client, "admin")
    chooser = client.get("/admin/opd")
    chosen = client.get("/admin/opd?opd=DISHUB")
    assert chooser.status_code == 200
    assert "/admin/opd?opd=DPUPR" in chooser.get_data(as_text=True)
    assert "Dinas Perhubungan" in chosen.get_data(as_text=True)
