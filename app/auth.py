"""Staff log-in (session and bearer token), CSRF protection and the role and OPD checks.

Pages use a Flask-Login session; the JSON API under /api/ takes a bearer token
from ``POST /api/auth/token`` or, for reads, the page session. Views restrict
access with :func:`role_required` and read the caller with :func:`current_staff`.
Every form POST outside /api/ must carry ``csrf_token`` (see :func:`init_auth`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session as cookie_session
from flask import url_for
from flask_login import LoginManager
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import BigInteger
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app.api.openapi import document
from app.api.openapi import error_responses
from app.errors import ApiError
from app.i18n import current_language
from app.models import Base
from app.models import Opd
from app.models import StaffUser
from app.services import db_session
from app.web import wants_json

log = logging.getLogger(__name__)

ROLES = ("crew", "opd_admin", "planner", "admin")
# Roles that belong to exactly one OPD and see only its complaints.
OPD_ROLES = ("crew", "opd_admin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# A bearer token lets a phone work for a week without a new log-in. It ends
# earlier when the user logs out (DELETE /api/auth/token), changes the password
# or is deactivated.
TOKEN_LIFETIME = timedelta(days=7)

# Failed log-ins per username before further attempts wait, and the window.
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW_S = 300.0

# A CSRF token lasts a working day, so a task page left open since the
# morning can still be submitted.
CSRF_TIME_LIMIT_S = 12 * 3600

# The hash checked when a username is unknown, so both cases take equal time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))

login_manager = LoginManager()
csrf = CSRFProtect()
bp = Blueprint("auth", __name__)


class ApiToken(Base):
    """A bearer token of the JSON API, stored as its SHA-256 digest."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_user.id"))
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Staff:
    """The logged-in staff member of a request, as Flask-Login's user object.

    Attributes:
        session_key: Digest of the password hash. A session stores it, so a
            new password ends every older session.
    """

    id: int
    username: str
    role: str
    opd_id: int | None
    opd_code: str | None
    opd_name: str | None
    session_key: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def opd_scope(self) -> int | None:
        """The only OPD whose complaints this user works, or None for every OPD."""
        return self.opd_id if self.role in OPD_ROLES else None

    def can_work_opd(self, opd_id: int) -> bool:
        """Return whether this user may see and change complaints routed to opd_id."""
        if self.role == "admin":
            return True
        return self.role in OPD_ROLES and self.opd_id == opd_id


def hash_password(password: str) -> str:
    """Hash a password with werkzeug's default scheme (scrypt, salted)."""
    return generate_password_hash(password)


def _session_key(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def _staff_from_row(user: StaffUser, opd: Opd | None) -> Staff:
    return Staff(
        id=user.id,
        username=user.username,
        role=user.role,
        opd_id=user.opd_id,
        opd_code=opd.code if opd else None,
        opd_name=opd.name if opd else None,
        session_key=_session_key(user.password_hash),
    )


def _find_active_user(session: Session, **where) -> tuple[StaffUser, Opd | None] | None:
    statement = (
        select(StaffUser, Opd)
        .outerjoin(Opd, Opd.id == StaffUser.opd_id)
        .where(StaffUser.active.is_(True))
        .where(*(getattr(StaffUser, key) == value for key, value in where.items()))
    )
    row = session.execute(statement).first()
    return (row[0], row[1]) if row else None


def load_staff(session: Session, user_id: int) -> Staff | None:
    """Load an active staff member by id, or None."""
    row = _find_active_user(session, id=user_id)
    return _staff_from_row(*row) if row else None


def authenticate(session: Session, username: str, password: str) -> Staff | None:
    """Check a username and password; return the active staff member or None.

    An unknown username costs one hash check too, so the reply time does not
    tell whether an account exists.
    """
    row = _find_active_user(session, username=username.strip().lower())
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    user, opd = row
    if not check_password_hash(user.password_hash, password):
        return None
    return _staff_from_row(user, opd)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, staff: Staff) -> tuple[str, datetime]:
    """Create a bearer token for staff; return it and its expiry. The caller commits."""
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(timezone.utc) + TOKEN_LIFETIME
    session.add(
        ApiToken(
            staff_user_id=staff.id, token_hash=_token_hash(token), expires_at=expires_at
        )
    )
    session.flush()
    log.info("issued an API token for staff user %d", staff.id)
    return token, expires_at


def staff_for_token(session: Session, token: str) -> Staff | None:
    """Return the active staff member of a valid, unexpired token, or None."""
    user_id = session.execute(
        select(ApiToken.staff_user_id).where(
            ApiToken.token_hash == _token_hash(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > func.now(),
        )
    ).scalar()
    return load_staff(session, user_id) if user_id is not None else None


def revoke_token(session: Session, token: str) -> None:
    """Mark one token revoked. The caller commits."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


def revoke_user_tokens(session: Session, user_id: int) -> None:
    """Mark every token of a user revoked, after a password change or deactivation."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.staff_user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


class LoginThrottle:
    """Counter of failed log-ins per username in this process, to block bursts.

    NOTE: the counts live in one process, so each worker of a multi-process
    server counts on its own. A shared store would be needed to limit the total.
    """

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, username: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(username, deque())
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def wait_s(self, username: str) -> float:
        """Return the seconds until username may try again, 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(username, now)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, self.window_s - (now - failures[0]))

    def record_failure(self, username: str) -> None:
        with self._lock:
            self._recent(username, time.monotonic()).append(time.monotonic())

    def reset(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)


login_throttle = LoginThrottle(MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW_S)


def _throttled_error(wait_s: float) -> ApiError:
    minutes = max(1, round(wait_s / 60))
    return ApiError(
        429,
        "too_many_failed_logins",
        f"Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit.",
        f"Too many failed log-ins. Try again in {minutes} minutes.",
    )


def check_credentials(username: str, password: str) -> Staff:
    """Check credentials and count failures towards the failed log-in limit.

    Raises:
        ApiError: 429 after too many failures for this username, else 401 when
            the username or password is wrong or the account is inactive.
    """
    key = username.strip().lower()
    wait_s = login_throttle.wait_s(key)
    if wait_s > 0:
        raise _throttled_error(wait_s)
    staff = authenticate(db_session(), username, password)
    if staff is None:
        login_throttle.record_failure(key)
        log.info("failed log-in")
        raise ApiError(
            401,
            "invalid_credentials",
            "Nama pengguna atau kata sandi salah, atau akun tidak aktif.",
            "The username or password is wrong, or the account is inactive.",
        )
    login_throttle.reset(key)
    return staff


def init_auth(app: Flask) -> None:
    """Set up Flask-Login and CSRF protection once per application.

    CSRF: Flask-WTF's own check is switched off and replaced by one that checks
    every POST, PUT, PATCH and DELETE outside /api/ and /open311/ (views marked
    with ``csrf.exempt`` excepted). Staff API views check it themselves when a
    write comes with the session cookie instead of a bearer token.
    """
    if "aduan_auth" in app.extensions:
        return
    app.extensions["aduan_auth"] = True
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", CSRF_TIME_LIMIT_S)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_session_user)
    app.before_request(_protect_forms)
    app.context_processor(lambda: {"current_staff": current_staff})


def _load_session_user(user_id: str) -> Staff | None:
    raw_id, _, key = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    staff = load_staff(db_session(), int(raw_id))
    if staff is None or not secrets.compare_digest(staff.session_key, key):
        return None
    return staff


def _is_api_request() -> bool:
    return request.path.startswith(("/api/", "/open311/"))


def _protect_forms() -> None:
    if request.method in SAFE_METHODS or _is_api_request():
        return
    check_csrf()


def check_csrf() -> None:
    """Validate the request's CSRF token (form field csrf_token or X-CSRFToken).

    Raises:
        ApiError: 400 csrf_failed, telling the user to reload the page.
    """
    try:
        csrf.protect(apply_exemptions=True)
    except CSRFError as error:
        log.warning(
            "rejected %s %s without a valid CSRF token (%s); forms need "
            "a csrf_token field",
            request.method,
            request.endpoint,
            error.description,
        )
        raise ApiError(
            400,
            "csrf_failed",
            "Formulir sudah kedaluwarsa atau tidak lengkap. Muat ulang halaman "
            "lalu kirim lagi.",
            "The form has expired or is incomplete. Reload the page and send it again.",
        ) from error


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def current_staff() -> Staff | None:
    """Return the staff member making this request, or None for a citizen.

    Under /api/ a bearer token counts first; pages use only the session.

    Raises:
        ApiError: 401 invalid_token when an API request carries a bearer token
            that is unknown, expired or revoked.
    """
    if "staff" in g:
        return g.staff
    token = _bearer_token() if _is_api_request() else None
    if token is not None:
        staff = staff_for_token(db_session(), token)
        if staff is None:
            raise ApiError(
                401,
                "invalid_token",
                "Token tidak valid, kedaluwarsa, atau sudah dicabut. Minta token baru.",
                "The token is invalid, expired or revoked. Request a new token.",
            )
        g.auth_method = "token"
    else:
        # The real object, not the proxy, which turns anonymous after log-out.
        staff = (
            current_user._get_current_object()
            if current_user.is_authenticated
            else None
        )
        g.auth_method = "session" if staff else None
    g.staff = staff
    return staff


def _not_logged_in():
    if wants_json():
        raise ApiError(
            401,
            "login_required",
            "Silakan masuk terlebih dahulu: kirim token Bearer dari "
            "POST /api/auth/token.",
            "Log in first: send a Bearer token from POST /api/auth/token.",
        )
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def forbidden() -> ApiError:
    """Return the 403 error for a role that may not use an endpoint."""
    return ApiError(
        403,
        "forbidden",
        "Peran Anda tidak berhak membuka halaman atau data ini.",
        "Your role may not open this page or record.",
    )


def require_roles(*roles: str):
    """Check the caller's role in a view or a blueprint's before_request hook.

    Admin always passes. Returns None when the caller may go on, or a redirect
    to the log-in page for a citizen on a page. Writes to /api/ that come with
    the session cookie must carry the X-CSRFToken header. For a whole blueprint:

        @bp.before_request
        def planners_only():
            return require_roles("planner")

    Raises:
        ApiError: 401 login_required for a citizen under /api/, 403 forbidden
            for another role, 400 csrf_failed for a session write without token.
        ValueError: A role is not one of ROLES.
    """
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"Unknown role(s) {unknown}; known roles are {ROLES}.")
    staff = current_staff()
    if staff is None:
        return _not_logged_in()
    if not (staff.is_admin or staff.role in roles):
        raise forbidden()
    api_write = _is_api_request() and request.method not in SAFE_METHODS
    if api_write and g.auth_method == "session":
        check_csrf()
    return None


def role_required(*roles: str) -> Callable:
    """Let only logged-in staff with one of roles (admin always) into a view.

    Works as require_roles, as a decorator below the route decorator:

        @bp.get("/analisis")
        @role_required("planner")
        def analysis(): ...

    Raises:
        ValueError: A role is not one of ROLES.
    """
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"Unknown role(s) {unknown}; known roles are {ROLES}.")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            login_redirect = require_roles(*roles)
            if login_redirect is not None:
                return login_redirect
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _safe_next(target: str | None) -> str | None:
    """Return target if it is a path on this site, else None (other hosts, schemes)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\" in target:
        return None
    return target


def landing_url(staff: Staff) -> str:
    """Return the first page after log-in for a role."""
    if staff.role in OPD_ROLES:
        return url_for("crew.tasks")
    if staff.role == "admin":
        return url_for("admin.users")
    if staff.role == "planner" and "planner.dashboard" in current_app.view_functions:
        return url_for("planner.dashboard")
    return "/"


@bp.record_once
def _setup(state) -> None:
    init_auth(state.app)


@bp.route("/petugas/masuk", methods=["GET", "POST"])
def login():
    """Show the log-in form and start a session for valid credentials."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next_url=next_url, error=None)

    username = request.form.get("username", "")
    try:
        staff = check_credentials(username, request.form.get("password", ""))
    except ApiError as error:
        if error.status not in (401, 429):
            raise
        page = render_template(
            "auth/login.html",
            next_url=next_url,
            username=username,
            error=error.message(current_language()),
        )
        # The form is shown again as a normal page; only throttling keeps its 429.
        return page, 429 if error.status == 429 else 200

    language = cookie_session.get("lang")
    cookie_session.clear()
    if language:
        cookie_session["lang"] = language
    login_user(staff)
    log.info("staff user %d logged in", staff.id)
    return redirect(next_url or landing_url(staff))


@bp.post("/petugas/keluar")
def logout():
    """End the session."""
    staff = current_staff()
    logout_user()
    cookie_session.clear()
    if staff is not None:
        log.info("staff user %d logged out", staff.id)
    return redirect(url_for("auth.login"))


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "invalid_body",
            "Kirim objek JSON dengan username dan password.",
            "Send a JSON object with username and password.",
        )
    return body


@bp.post("/api/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    body = _json_body()
    username = body.get("username")
    password = body.get("password")
    for field, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise ApiError(
                400,
                f"missing_{field}",
                f"Isian {field} wajib diisi sebagai teks.",
                f"The {field} field is required as a string.",
                field=field,
            )
    staff = check_credentials(username, password)
    token, expires_at = issue_token(db_session(), staff)
    db_session().commit()
    body = {
        "token": token,
        "token_type": "Bearer",
        "expires_at": expires_at.isoformat(),
        "user": {"username": staff.username, "role": staff.role, "opd": staff.opd_code},
    }
    return jsonify(body), 201


@bp.delete("/api/auth/token")
def delete_token():
    """Revoke the bearer token that authenticates this request."""
    token = _bearer_token()
    if token is None or current_staff() is None:
        raise ApiError(
            401,
            "login_required",
            "Kirim token Bearer yang ingin dicabut.",
            "Send the Bearer token to revoke.",
        )
    revoke_token(db_session(), token)
    db_session().commit()
    return "", 204


document(
    "/api/auth/token",
    {
        "post": {
            "summary": "Get a bearer token for the staff API",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["username", "password"],
                            "properties": {
                                "username": {"type": "string"},
                                "password": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": {"description": "token, token_type (Bearer), expires_at, user"},
                **error_responses(400, 401, 429),
            },
        },
        "delete": {
            "summary": "Revoke the bearer token sent in Authorization",
            "responses": {"204": {"description": "Revoked"}, **error_responses(401)},
        },
    },
)
