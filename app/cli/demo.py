"""`aduan demo`: fill the database with a reproducible demo year of complaints."""

from __future__ import annotations

import datetime as dt
import logging

import click

from app.cli import cli
from app.cli import operator_errors
from app.demo import DemoTargets
from app.demo import count_complaints
from app.demo import generate_demo
from app.intake import working_calendar
from app.services import services

log = logging.getLogger(__name__)


def _last_full_year(timezone: str, country: str) -> int:
    calendar = working_calendar(timezone, country)
    return calendar.local_date(dt.datetime.now(dt.timezone.utc)).year - 1


@cli.command("demo")
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed; the same seed and year give the same complaints.",
)
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="Calendar year of the complaints (default: the last full year).",
)
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when the city already has complaints."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Complaints written per transaction.",
)
@operator_errors
def demo(seed: int, year: int | None, if_empty: bool, batch_size: int) -> None:
    """Create a demo year of complaints shaped like Kota Tangerang's published year.

    14,012 complaints go through intake and the status machine: 13,421 end the
    year selesai, 571 menunggu and 20 proses. A year that has not ended yet
    gets complaints dated in the future.
    """
    city = services().city
    year = year or _last_full_year(city.timezone, city.holiday_country)
    with services().new_session() as session:
        existing = count_complaints(session, city)
        if if_empty and existing:
            click.echo(f"{city.name} already has {existing} complaints; no demo added.")
            return
        targets = DemoTargets()
        click.echo(
            f"Writing {targets.total} demo complaints for {year} "
            f"(seed {seed}); this takes several minutes."
        )
        # One INFO line per demo complaint and status change would bury the log,
        # so only the progress lines below report how far the demo is.
        quiet = [logging.getLogger(name) for name in ("app.intake", "app.status")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
        try:
            result = generate_demo(
                session,
                city,
                year,
                seed,
                targets,
                batch_size,
                progress=lambda done: click.echo(f"  {done} complaints written"),
            )
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        finally:
            for logger, level in zip(quiet, levels):
                logger.setLevel(level)
    click.echo(
        f"Demo year {year}: {result.complaints} complaints and {result.events} "
        f"changes written in {result.seconds:.0f} s; {result.skipped} skipped."
    )
