"""Create and change staff accounts: usernames, roles, OPD membership and passwords."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import OPD_ROLES
from app.auth import ROLES
from app.auth import Staff
from app.auth import hash_password
from app.auth import revoke_user_tokens
from app.errors import ApiError
from app.models import Opd
from app.models import StaffUser

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD_LENGTH = 10
# scrypt hashes any length, but a cap keeps a request from costing seconds.
MAX_PASSWORD_LENGTH = 200


@dataclass(frozen=True)
class Account:
    """A staff account as the admin page lists it."""

    id: int
    username: str
    role: str
    opd_code: str | None
    opd_short_name: str | None
    active: bool


def _error(
    status: int, code: str, field: str, value, message_id: str, message_en: str
) -> ApiError:
    return ApiError(status, code, message_id, message_en, field=field, value=value)


def check_username(raw: str) -> str:
    """Return the username in lower case if it is valid, else raise ApiError 400."""
    username = (raw or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise _error(
            400,
            "invalid_username",
            "username",
            raw,
            f"Nama pengguna {raw!r} tidak valid: pakai 3-40 huruf kecil, angka, titik, "
            "garis bawah atau tanda hubung, diawali huruf atau angka.",
            f"The username {raw!r} is invalid: use 3-40 lower-case letters, digits, "
            "dots, underscores or hyphens, starting with a letter or digit.",
        )
    return username


def check_password(password: str) -> str:
    """Return the password if its length is allowed, else raise ApiError 400."""
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise _error(
            400,
            "invalid_password",
            "password",
            None,
            f"Kata sandi harus {MIN_PASSWORD_LENGTH} sampai {MAX_PASSWORD_LENGTH} "
            "karakter.",
            f"The password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
            "characters.",
        )
    return password


def check_role(role: str) -> str:
    """Return the role if it is one of ROLES, else raise ApiError 400."""
    if role not in ROLES:
        raise _error(
            400,
            "invalid_role",
            "role",
            role,
            f"Peran {role!r} tidak dikenal; pilih {', '.join(ROLES)}.",
            f"Unknown role {role!r}; choose {', '.join(ROLES)}.",
        )
    return role


def find_opd(session: Session, city_code: str, code: str) -> Opd:
    """Return the city's OPD with this code, or raise ApiError 400 listing codes."""
    opd = session.scalars(
        select(Opd).where(Opd.city_code == city_code, Opd.code == code.strip().upper())
    ).one_or_none()
    if opd is None:
        known = ", ".join(
            session.scalars(
                select(Opd.code).where(Opd.city_code == city_code).order_by(Opd.code)
            )
        )
        raise _error(
            400,
            "unknown_opd",
            "opd",
            code,
            f"OPD {code!r} tidak dikenal. Kode yang ada: {known or '-'}.",
            f"Unknown OPD {code!r}. Known codes: "
            f"{known or 'none (run aduan config load)'}.",
        )
    return opd


def _opd_for_role(
    session: Session, city_code: str, role: str, opd_code: str | None
) -> int | None:
    if role in OPD_ROLES and not opd_code:
        raise _error(
            400,
            "opd_required",
            "opd",
            None,
            f"Peran {role} memerlukan OPD; isi kode OPD.",
            f"The role {role} belongs to one OPD; give its code.",
        )
    if role not in OPD_ROLES and opd_code:
        raise _error(
            400,
            "opd_not_allowed",
            "opd",
            opd_code,
            f"Peran {role} berlaku untuk semua OPD; kosongkan OPD.",
            f"The role {role} covers every OPD; leave the OPD empty.",
        )
    return find_opd(session, city_code, opd_code).id if opd_code else None


def create_account(
    session: Session,
    city_code: str,
    username: str,
    role: str,
    password: str,
    opd_code: str | None = None,
) -> StaffUser:
    """Create an active staff account. The caller commits.

    Raises:
        ApiError: 400 for an invalid username, password, role or OPD, 409
            username_taken when the username exists (active or not).
    """
    username = check_username(username)
    role = check_role(role)
    password = check_password(password)
    opd_id = _opd_for_role(session, city_code, role, opd_code)
    existing_id = session.scalar(
        select(StaffUser.id).where(StaffUser.username == username)
    )
    if existing_id is not None:
        raise _error(
            409,
            "username_taken",
            "username",
            username,
            f"Nama pengguna {username} sudah dipakai.",
            f"The username {username} is already taken.",
        )
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        opd_id=opd_id,
        active=True,
    )
    session.add(user)
    session.flush()
    log.info("created staff user %d with role %s", user.id, role)
    return user


def find_account(session: Session, username: str) -> StaffUser:
    """Return the account with this username, or raise ApiError 404."""
    user = session.scalars(
        select(StaffUser).where(StaffUser.username == (username or "").strip().lower())
    ).one_or_none()
    if user is None:
        raise _error(
            404,
            "unknown_user",
            "username",
            username,
            f"Pengguna {username!r} tidak ditemukan.",
            f"User {username!r} not found.",
        )
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Replace a password, which ends older sessions and tokens. The caller commits."""
    user.password_hash = hash_password(check_password(password))
    revoke_user_tokens(session, user.id)
    log.info("password of staff user %d changed", user.id)


def set_active(session: Session, user: StaffUser, active: bool) -> None:
    """Activate or deactivate an account; deactivation revokes its tokens."""
    user.active = active
    if not active:
        revoke_user_tokens(session, user.id)
    log.info("staff user %d %s", user.id, "activated" if active else "deactivated")


def list_accounts(session: Session, opd_id: int | None = None) -> list[Account]:
    """List accounts by username, only those of one OPD when opd_id is given."""
    statement = (
        select(StaffUser, Opd)
        .outerjoin(Opd, Opd.id == StaffUser.opd_id)
        .order_by(StaffUser.username)
    )
    if opd_id is not None:
        statement = statement.where(StaffUser.opd_id == opd_id)
    return [
        Account(
            user.id,
            user.username,
            user.role,
            opd.code if opd else None,
            opd.short_name if opd else None,
            user.active,
        )
        for user, opd in session.execute(statement)
    ]


def may_manage(manager: Staff, user: StaffUser) -> bool:
    """Return whether manager may change user: admin any, opd_admin its OPD's crew."""
    if manager.is_admin:
        return True
    return (
        manager.role == "opd_admin"
        and user.role == "crew"
        and user.opd_id == manager.opd_id
    )
