"""Admin and OPD admin pages: accounts, overdue complaints, OPD crew settings, and
assigning, rejecting and re-routing tasks."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timezone

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from sqlalchemy import select

from app.admin import bp
from app.admin.accounts import create_account
from app.admin.accounts import find_opd
from app.admin.accounts import list_accounts
from app.admin.accounts import may_manage
from app.admin.accounts import set_active
from app.admin.accounts import set_password
from app.auth import ROLES
from app.auth import Staff
from app.auth import current_staff
from app.auth import role_required
from app.crew.overdue import overdue_by_opd
from app.crew.pages import run_task_action
from app.crew.settings import result_photo_required
from app.crew.settings import set_result_photo_required
from app.crew.work import assign_task
from app.crew.work import reject_task
from app.crew.work import reroute_task
from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.models import Opd
from app.models import StaffUser
from app.services import db_session
from app.services import services

log = logging.getLogger(__name__)

MANAGER_ROLES = ("opd_admin",)


def _city_opds() -> list:
    """Return (code, short_name) of the city's active OPDs by short name."""
    return db_session().execute(
        select(Opd.code, Opd.short_name)
        .where(Opd.city_code == services().city.code, Opd.active.is_(True))
        .order_by(Opd.short_name)
    ).all()


def _render_users(error: ApiError | None = None, form: dict | None = None):
    staff = current_staff()
    page = render_template(
        "admin/users.html",
        accounts=list_accounts(db_session(), staff.opd_scope),
        roles=ROLES if staff.is_admin else ("crew",),
        opds=_city_opds(),
        staff=staff,
        error=error.message(current_language()) if error else None,
        form=form or {},
    )
    return page, error.status if error else 200


@bp.get("/admin/pengguna")
@role_required(*MANAGER_ROLES)
def users():
    """List the accounts the user manages, with a form to add one."""
    return _render_users()


@bp.post("/admin/pengguna")
@role_required(*MANAGER_ROLES)
def add_user():
    """Create an account; an OPD admin creates crew of its own OPD only."""
    staff = current_staff()
    form = request.form
    role = form.get("role", "") if staff.is_admin else "crew"
    opd_code = form.get("opd", "") if staff.is_admin else staff.opd_code
    session = db_session()
    try:
        create_account(
            session,
            services().city.code,
            form.get("username", ""),
            role,
            form.get("password", ""),
            opd_code or None,
        )
        session.commit()
    except ApiError as error:
        session.rollback()
        return _render_users(
            error,
            {"username": form.get("username", ""), "role": role, "opd": opd_code or ""},
        )
    flash(gettext("The account was created."))
    return redirect(url_for("admin.users"), 303)


def _managed_user(user_id: int, staff: Staff) -> StaffUser:
    """Return an account the user may change; others are 404 like a missing id."""
    user = db_session().get(StaffUser, user_id)
    if user is None or not may_manage(staff, user):
        raise NotFound("Pengguna", "User", user_id)
    return user


@bp.post("/admin/pengguna/<int:user_id>/kata-sandi")
@role_required(*MANAGER_ROLES)
def change_password(user_id: int):
    """Set a new password for an account."""
    user = _managed_user(user_id, current_staff())
    session = db_session()
    try:
        set_password(session, user, request.form.get("password", ""))
        session.commit()
    except ApiError as error:
        session.rollback()
        return _render_users(error)
    flash(gettext("The password of %(username)s was changed.", username=user.username))
    return redirect(url_for("admin.users"), 303)


@bp.post("/admin/pengguna/<int:user_id>/aktif")
@role_required(*MANAGER_ROLES)
def change_active(user_id: int):
    """Activate or deactivate an account (never one's own)."""
    staff = current_staff()
    user = _managed_user(user_id, staff)
    active = request.form.get("active") == "1"
    if user.id == staff.id and not active:
        return _render_users(
            ApiError(
                409,
                "cannot_deactivate_self",
                "Anda tidak dapat menonaktifkan akun sendiri.",
                "You cannot deactivate your own account.",
            )
        )
    set_active(db_session(), user, active)
    db_session().commit()
    return redirect(url_for("admin.users"), 303)


@bp.get("/admin/terlambat")
@role_required(*MANAGER_ROLES)
def overdue():
    """List open complaints past their due date, per OPD."""
    staff = current_staff()
    groups = overdue_by_opd(
        db_session().connection(),
        services().city.code,
        datetime.now(timezone.utc),
        staff.opd_scope,
    )
    return render_template(
        "admin/overdue.html", groups=groups, language=current_language()
    )


@bp.route("/admin/opd", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def opd_settings():
    """Show and change how an OPD's crews work (the result photo rule).

    An OPD admin gets its own OPD. An admin picks one with ?opd=CODE and
    gets the list of OPDs without it.
    """
    staff = current_staff()
    code = request.values.get("opd", "")
    if staff.is_admin and not code:
        return render_template("admin/opd.html", opd=None, opds=_city_opds())
    if staff.is_admin:
        opd = find_opd(db_session(), services().city.code, code)
    else:
        opd = db_session().get(Opd, staff.opd_id)
    session = db_session()
    if request.method == "POST":
        required = request.form.get("result_photo_required") == "1"
        set_result_photo_required(session, opd.id, required)
        session.commit()
        flash(gettext("The settings were saved."))
        return redirect(url_for("admin.opd_settings", opd=opd.code), 303)
    return render_template(
        "admin/opd.html",
        opd=opd,
        result_photo_required=result_photo_required(session, opd.id),
    )


@bp.post("/admin/aduan/<code>/tugaskan")
@role_required(*MANAGER_ROLES)
def assign(code: str):
    """Assign a task to a crew member of its OPD."""
    username = request.form.get("username", "")
    return run_task_action(
        code,
        lambda s, ref, staff, _: assign_task(s, ref, staff, username),
        gettext("The task was assigned to %(username)s.", username=username),
    )


@bp.post("/admin/aduan/<code>/tolak")
@role_required(*MANAGER_ROLES)
def reject(code: str):
    """Reject a complaint with a reason the reporter will read."""
    reason = request.form.get("reason", "")
    return run_task_action(
        code,
        lambda s, ref, staff, _: reject_task(s, ref, staff, reason),
        gettext("The complaint was rejected."),
    )


@bp.post("/admin/aduan/<code>/alihkan")
@role_required(*MANAGER_ROLES)
def reroute(code: str):
    """Hand a complaint to another OPD; it leaves this OPD's task list."""
    opd_code = request.form.get("opd", "")
    reason = request.form.get("reason", "")
    return run_task_action(
        code,
        lambda s, ref, staff, _: reroute_task(s, ref, staff, opd_code, reason),
        gettext("The complaint was re-routed to %(opd)s.", opd=opd_code),
        done_url=url_for("crew.tasks"),
    )
