"""Read the planners' complaint filters and map parameters from a query string."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from app.coordinates import parse_optional_number
from app.errors import ApiError
from app.models import STATUSES
from app.queries.stats import AnalysisFilter
from app.queries.stats import FilterChoices

#: Query parameters that select complaints, shared by every planner page and API.
FILTER_PARAMS = ("category", "opd", "status", "kecamatan", "from", "to")


@dataclass(frozen=True)
class Period:
    """Local dates of a period, both inclusive; None leaves that side open."""

    first_day: dt.date | None
    last_day: dt.date | None

    def bounds(
        self, timezone: ZoneInfo
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Return the period as [start, end) instants in the city's zone."""
        start = end = None
        if self.first_day is not None:
            start = dt.datetime.combine(self.first_day, dt.time(), tzinfo=timezone)
        if self.last_day is not None:
            next_day = self.last_day + dt.timedelta(days=1)
            end = dt.datetime.combine(next_day, dt.time(), tzinfo=timezone)
        return start, end


def filter_values(args: MultiDict, name: str) -> tuple[str, ...]:
    """Collect repeated and comma-separated values of one parameter."""
    values: list[str] = []
    for raw in args.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return tuple(dict.fromkeys(values))


def _check_codes(name: str, values: tuple[str, ...], known: list[str]) -> None:
    unknown = [value for value in values if value not in known]
    if unknown:
        listed = ", ".join(known)
        raise ApiError(
            400,
            f"invalid_{name}",
            f"Nilai {name} {unknown[0]!r} tidak dikenal. Pilih dari: {listed}.",
            f"Unknown {name} value {unknown[0]!r}. Choose from: {listed}.",
            field=name,
            value=unknown[0],
        )


def parse_date(name: str, raw: str | None) -> dt.date | None:
    """Parse an optional YYYY-MM-DD date parameter; raise ApiError when invalid."""
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ApiError(
            400,
            f"invalid_{name}",
            f"Tanggal {name} {raw!r} tidak valid. Tulis sebagai TTTT-BB-HH, "
            "misalnya 2026-01-31.",
            f"The {name} date {raw!r} is invalid. Write it as YYYY-MM-DD, "
            "for example 2026-01-31.",
            field=name,
            value=raw,
        ) from None


def parse_period(args: MultiDict, first: str = "from", last: str = "to") -> Period:
    """Read a period from two date parameters; raise ApiError if it ends first."""
    period = Period(
        parse_date(first, args.get(first)), parse_date(last, args.get(last))
    )
    if period.first_day and period.last_day and period.last_day < period.first_day:
        raise ApiError(
            400,
            f"invalid_{last}",
            f"Tanggal {last} {period.last_day} lebih awal dari tanggal {first} "
            f"{period.first_day}. Tukar kedua tanggal.",
            f"The {last} date {period.last_day} is before the {first} date "
            f"{period.first_day}. Swap the two dates.",
            field=last,
            value=period.last_day.isoformat(),
        )
    return period


def parse_analysis_filter(
    args: MultiDict,
    city_code: str,
    timezone: ZoneInfo,
    choices: FilterChoices,
    period: Period | None = None,
) -> AnalysisFilter:
    """Build a complaint filter from query parameters and check every value.

    Args:
        args: The query string, with any of `FILTER_PARAMS`. A parameter may
            repeat or list values separated by commas.
        city_code: The city whose complaints are selected.
        timezone: The city's zone, in which dates are read.
        choices: The known categories, OPDs and kecamatan.
        period: A period to use in place of the from and to parameters.

    Raises:
        ApiError: 400 for an unknown status, category, OPD or kecamatan, or an
            invalid date.
    """
    categories = filter_values(args, "category")
    opds = filter_values(args, "opd")
    statuses = filter_values(args, "status")
    kecamatan = filter_values(args, "kecamatan")
    _check_codes("category", categories, [choice.code for choice in choices.categories])
    _check_codes("opd", opds, [choice.code for choice in choices.opds])
    _check_codes("status", statuses, list(STATUSES))
    _check_codes("kecamatan", kecamatan, [choice.code for choice in choices.kecamatan])

    period = period or parse_period(args)
    start, end = period.bounds(timezone)
    return AnalysisFilter(
        city_code=city_code,
        categories=categories,
        opds=opds,
        statuses=statuses,
        kecamatan=kecamatan,
        received_from=start,
        received_until=end,
    )


def status_instant(analysis_filter: AnalysisFilter, now: dt.datetime) -> dt.datetime:
    """Return the instant at which figures read statuses: the period's end or now."""
    end = analysis_filter.received_until
    return now if end is None or end > now else end


def parse_number(
    args: MultiDict, name: str, default: float, low: float, high: float
) -> float:
    """Parse an optional number parameter within [low, high]; raise ApiError if not."""
    return parse_optional_number(name, args.get(name), low, high, default)


def parse_choice(args: MultiDict, name: str, allowed: tuple[str, ...]) -> str:
    """Return the parameter if it is one of ``allowed``, the first one when absent."""
    raw = (args.get(name) or "").strip() or allowed[0]
    if raw not in allowed:
        _check_codes(name, (raw,), list(allowed))
    return raw


def parse_month(args: MultiDict, name: str, default: dt.date) -> dt.date:
    """Parse a YYYY-MM parameter as the first day of that month."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default.replace(day=1)
    try:
        return dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise ApiError(
            400,
            f"invalid_{name}",
            f"Bulan {name} {raw!r} tidak valid. Tulis sebagai TTTT-BB, "
            "misalnya 2026-11.",
            f"The {name} month {raw!r} is invalid. Write it as YYYY-MM, for example "
            "2026-11.",
            field=name,
            value=raw,
        ) from None
