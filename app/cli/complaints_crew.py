"""`aduan complaints overdue`: open complaints past their due date, per OPD."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

import click

from app.admin.accounts import find_opd
from app.cli import cli
from app.cli import operator_errors
from app.crew.overdue import overdue_by_opd
from app.services import services


def _complaints_group() -> click.Group:
    """Return the `complaints` group, creating it if no other module has yet."""
    from app.cli import intake  # noqa: F401 - defines the group when present

    group = cli.commands.get("complaints")
    if group is None:
        group = cli.group(
            "complaints", help="Work on complaints from the command line."
        )(lambda: None)
    return group


@_complaints_group().command("overdue")
@click.option("--opd", "opd_code", help="Only this OPD's complaints (OPD code).")
@operator_errors
def overdue(opd_code):
    """Print open complaints past their due date, grouped by OPD."""
    city = services().city
    zone = ZoneInfo(city.timezone)
    now = datetime.now(timezone.utc)
    with services().new_session() as session:
        opd_id = find_opd(session, city.code, opd_code).id if opd_code else None
        groups = overdue_by_opd(session.connection(), city.code, now, opd_id)
    if not groups:
        click.echo("No overdue complaints.")
        return
    for group in groups:
        click.echo(f"{group.opd_code} {group.opd_name}: {len(group.tasks)} overdue")
        for task in group.tasks:
            due = task.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            click.echo(
                f"  {task.tracking_code}  {task.status:<8}  {task.category_code}  "
                f"due {due} ({task.days_late} days late)  {task.kelurahan or '-'}"
            )
