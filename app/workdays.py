"""Working-day calendar that turns complaint SLAs into due instants."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

import holidays
from holidays.constants import GOVERNMENT
from holidays.constants import PUBLIC

logger = logging.getLogger(__name__)

DEFAULT_CUTI_BERSAMA_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "holidays" / "cuti_bersama.csv"
)
CUTI_BERSAMA_COLUMNS = ("date", "name_id", "name_en", "source")
HOLIDAY_LANGUAGE = "id"

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CutiBersamaDay:
    """A collective leave day (cuti bersama) read from the city's file."""

    date: dt.date
    name_id: str
    name_en: str
    source: str


def read_cuti_bersama(path: str | Path) -> list[CutiBersamaDay]:
    """Read and validate the cuti bersama CSV file.

    Args:
        path: CSV file with the columns in ``CUTI_BERSAMA_COLUMNS``. Dates are
            ISO 8601 (``2026-03-20``), and ``name_id`` and ``source`` must be set.

    Returns:
        The days in file order.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A column is missing, or a row has an invalid or repeated date
            or an empty required field. The message names the line.
    """
    path = Path(path)
    days: list[CutiBersamaDay] = []
    first_line_by_date: dict[dt.date, int] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        _check_cuti_bersama_header(path, reader.fieldnames)
        for row in reader:
            day = _parse_cuti_bersama_row(path, reader.line_num, row)
            if day.date in first_line_by_date:
                raise ValueError(
                    f"{path}, line {reader.line_num}: date {day.date.isoformat()} "
                    f"is already listed on line {first_line_by_date[day.date]}. "
                    "Keep one row per date."
                )
            first_line_by_date[day.date] = reader.line_num
            days.append(day)
    return days


def _check_cuti_bersama_header(path: Path, fieldnames: list[str] | None) -> None:
    missing = [name for name in CUTI_BERSAMA_COLUMNS if name not in (fieldnames or [])]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)}. The header line must "
            f"be {','.join(CUTI_BERSAMA_COLUMNS)}."
        )


def _parse_cuti_bersama_row(
    path: Path, line: int, row: dict[str, str | None]
) -> CutiBersamaDay:
    raw_date = (row.get("date") or "").strip()
    try:
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise ValueError(
            f"{path}, line {line}: invalid date {raw_date!r}. Write it as YYYY-MM-DD."
        ) from None
    for column in ("name_id", "source"):
        if not (row.get(column) or "").strip():
            raise ValueError(
                f"{path}, line {line}: column {column} is empty for "
                f"{raw_date}. Name the day and the decree it comes from."
            )
    return CutiBersamaDay(
        date=date,
        name_id=(row["name_id"] or "").strip(),
        name_en=(row.get("name_en") or "").strip(),
        source=(row["source"] or "").strip(),
    )


def require_aware(value: dt.datetime, name: str) -> None:
    """Raise ValueError unless ``value`` is a timezone-aware datetime.

    Args:
        value: The instant to check.
        name: The argument name, used in the error message.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got naive "
            f"{value.isoformat()}. Attach its zone, for example "
            "value.replace(tzinfo=ZoneInfo('Asia/Jakarta'))."
        )


def _load_zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {timezone!r}. Use an IANA name such as "
            "'Asia/Jakarta', 'Asia/Makassar' or 'Asia/Jayapura'."
        ) from None


class WorkingCalendar:
    """Working-day calendar of one city, from its weekend, holidays and cuti bersama.

    Non-working days are the country's weekend and the holidays that the
    ``holidays`` package lists in its public and government categories. For
    Indonesia the government category contains the cuti bersama days of the
    SKB 3 Menteri decrees (holidays 0.109 lists them for 2002-2027). Days in
    ``extra_holidays_path`` are added on top unless the package already lists
    the date, in which case the package's name is kept.

    SLA rule, used by ``add_working_days`` and ``working_days_between``: the
    clock starts on the complaint's *start day*, which is the local date of
    receipt in the city's zone if that is a working day, else the next working
    day. A complaint with an SLA of N working days is due at the end of the
    N-th working day after the start day. "End of day" is 23:59:59.999999
    local time, and finishing at or before that instant is on time.

    A year is covered when the package lists government holidays for it or
    the file has a row for it. For other years the calendar still counts
    weekends and package holidays, and logs one WARNING per year and instance.
    """

    def __init__(
        self,
        timezone: str = "Asia/Jakarta",
        country: str = "ID",
        extra_holidays_path: str | Path | None = DEFAULT_CUTI_BERSAMA_PATH,
    ) -> None:
        """Build the calendar.

        Args:
            timezone: IANA time zone of the city, e.g. ``Asia/Jakarta`` (WIB).
            country: ISO 3166-1 alpha-2 code understood by ``holidays``.
            extra_holidays_path: CSV of cuti bersama days missing from the
                package (see ``read_cuti_bersama``), or None for none.

        Raises:
            ValueError: Unknown time zone or country, or an invalid CSV row.
            FileNotFoundError: ``extra_holidays_path`` does not exist.
        """
        self.timezone = _load_zone(timezone)
        self.country = country
        self.extra_holidays_path = (
            Path(extra_holidays_path) if extra_holidays_path is not None else None
        )
        probe = self._probe_country(country)
        self._weekend = frozenset(probe.weekend)
        self._has_government = GOVERNMENT in probe.supported_categories
        self._language = (
            HOLIDAY_LANGUAGE if HOLIDAY_LANGUAGE in probe.supported_languages else None
        )
        extra_days = (
            read_cuti_bersama(self.extra_holidays_path)
            if self.extra_holidays_path is not None
            else []
        )
        self._extra_by_date = {day.date: day for day in extra_days}
        self._extra_years = {day.date.year for day in extra_days}
        self._holidays_by_year: dict[int, dict[dt.date, str]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _probe_country(country: str) -> holidays.HolidayBase:
        if country not in holidays.list_supported_countries():
            raise ValueError(
                f"unknown holiday country {country!r}. Use an ISO 3166-1 alpha-2 "
                "code supported by the holidays package, such as 'ID'."
            )
        return holidays.country_holidays(country)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """Return the calendar date of ``instant`` in the city's time zone.

        Raises:
            ValueError: ``instant`` is naive.
        """
        require_aware(instant, "instant")
        return instant.astimezone(self.timezone).date()

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """Return 23:59:59.999999 local time on ``day``, as a UTC datetime."""
        local_end = dt.datetime.combine(day, dt.time.max, tzinfo=self.timezone)
        return local_end.astimezone(dt.timezone.utc)

    def is_working_day(self, day: dt.date) -> bool:
        """Return True when ``day`` is a working day in the city.

        Raises:
            TypeError: ``day`` is a datetime. Convert it with ``local_date``
                first, because its date depends on the zone.
        """
        _require_plain_date(day)
        if day.weekday() in self._weekend:
            return False
        return day not in self._holidays_in_year(day.year)

    def holiday_name(self, day: dt.date) -> str | None:
        """Return the Indonesian name of the holiday on ``day``, or None.

        Weekends without a holiday return None.
        """
        _require_plain_date(day)
        return self._holidays_in_year(day.year).get(day)

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Compute the due instant of a complaint received at ``start``.

        Args:
            start: Receipt instant, in any zone.
            days: SLA in working days. 0 means the end of the start day.

        Returns:
            The end of the ``days``-th working day after the start day, in UTC.

        Raises:
            ValueError: ``start`` is naive or ``days`` is negative.
            TypeError: ``days`` is not an int.
        """
        require_aware(start, "start")
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}.")
        if days < 0:
            raise ValueError(f"days must be 0 or more, got {days}.")

        due_day = self._start_day(start)
        for _ in range(days):
            due_day = self._next_working_day(due_day)
        return self.end_of_day(due_day)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Count the working days used between receipt and finish.

        The count is the number of working days after the start day (see the
        class docstring) up to and including the local date of ``end``. It is
        0 when the complaint is finished on its start day or before it, and
        ``working_days_between(s, add_working_days(s, n)) == n``.

        Raises:
            ValueError: Either instant is naive, or ``end`` is before ``start``.
        """
        require_aware(start, "start")
        require_aware(end, "end")
        if end < start:
            raise ValueError(
                f"end {end.isoformat()} is before start {start.isoformat()}. "
                "Pass the receipt instant first."
            )

        day = self._start_day(start) + _ONE_DAY
        last_day = self.local_date(end)
        count = 0
        while day <= last_day:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def _start_day(self, start: dt.datetime) -> dt.date:
        day = self.local_date(start)
        if self.is_working_day(day):
            return day
        return self._next_working_day(day)

    def _next_working_day(self, day: dt.date) -> dt.date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _holidays_in_year(self, year: int) -> dict[dt.date, str]:
        table = self._holidays_by_year.get(year)
        if table is not None:
            return table
        with self._lock:
            table = self._holidays_by_year.get(year)
            if table is None:
                table = self._build_year(year)
                self._holidays_by_year[year] = table
        return table

    def _build_year(self, year: int) -> dict[dt.date, str]:
        table = self._package_holidays(year, PUBLIC)
        government = (
            self._package_holidays(year, GOVERNMENT) if self._has_government else {}
        )
        for date, name in government.items():
            table.setdefault(date, name)
        for date, extra in self._extra_by_date.items():
            if date.year != year:
                continue
            if date in table:
                logger.info(
                    "Ignoring %s in %s because the holidays package already "
                    "lists it as %r. The row can be removed.",
                    date.isoformat(),
                    self.extra_holidays_path,
                    table[date],
                )
                continue
            table[date] = extra.name_id
        if not government and year not in self._extra_years:
            self._warn_uncovered_year(year)
        return table

    def _package_holidays(self, year: int, category: str) -> dict[dt.date, str]:
        entries = holidays.country_holidays(
            self.country, years=year, categories=(category,), language=self._language
        )
        return dict(entries.items())

    def _warn_uncovered_year(self, year: int) -> None:
        logger.warning(
            "No cuti bersama data for %d: holidays %s lists no government "
            "holidays for %s in %d and %s has no row for that year, so due dates "
            "count that year's collective leave days as working days. Add the "
            "SKB 3 Menteri dates for %d to the file or upgrade holidays.",
            year,
            holidays.__version__,
            self.country,
            year,
            self.extra_holidays_path,
            year,
        )


def _require_plain_date(day: dt.date) -> None:
    if isinstance(day, dt.datetime):
        raise TypeError(
            f"expected a date, got the datetime {day.isoformat()}. Convert it "
            "with WorkingCalendar.local_date() first."
        )
    if not isinstance(day, dt.date):
        raise TypeError(f"expected a datetime.date, got {day!r}.")
