"""`aduan users` commands: add, list, set-password, activate and deactivate staff."""

from __future__ import annotations

import sys

import click

from app.admin.accounts import create_account
from app.admin.accounts import find_account
from app.admin.accounts import list_accounts
from app.admin.accounts import set_active
from app.admin.accounts import set_password
from app.auth import ROLES
from app.cli import cli
from app.cli import operator_errors
from app.services import services


@cli.group("users")
def users_group():
    """Staff accounts: crews, OPD admins, planners and admins."""


def _read_password(from_stdin: bool) -> str:
    """Read the first line of stdin, or prompt twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="crew and opd_admin work one OPD; planner reads; admin does all.",
)
@click.option("--opd", "opd_code", help="OPD code, required for crew and opd_admin.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@operator_errors
def add_user(username, role, opd_code, password_stdin):
    """Create a staff account with a hashed password."""
    password = _read_password(password_stdin)
    with services().new_session() as session:
        user = create_account(
            session, services().city.code, username, role, password, opd_code
        )
        session.commit()
    where = f" of {opd_code.upper()}" if opd_code else ""
    click.echo(f"Created {user.username} ({role}{where}).")


@users_group.command("list")
@operator_errors
def list_users():
    """Print every account: username, role, OPD and whether it is active."""
    with services().new_session() as session:
        accounts = list_accounts(session)
    for account in accounts:
        state = "active" if account.active else "inactive"
        click.echo(
            f"{account.username}\t{account.role}\t{account.opd_code or '-'}\t{state}"
        )


@users_group.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@operator_errors
def set_user_password(username, password_stdin):
    """Replace a password; the user's sessions and API tokens stop working."""
    password = _read_password(password_stdin)
    with services().new_session() as session:
        set_password(session, find_account(session, username), password)
        session.commit()
    click.echo(f"Password of {username} changed.")


@users_group.command("deactivate")
@click.argument("username")
@operator_errors
def deactivate_user(username):
    """Stop an account from logging in and revoke its API tokens."""
    with services().new_session() as session:
        set_active(session, find_account(session, username), False)
        session.commit()
    click.echo(f"{username} deactivated.")


@users_group.command("activate")
@click.argument("username")
@operator_errors
def activate_user(username):
    """Let a deactivated account log in again."""
    with services().new_session() as session:
        set_active(session, find_account(session, username), True)
        session.commit()
    click.echo(f"{username} activated.")
