"""Tests for the working-day calendar behind SLA due dates."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from app.workdays import DEFAULT_CUTI_BERSAMA_PATH
from app.workdays import WorkingCalendar
from app.workdays import read_cuti_bersama

WIB = ZoneInfo("Asia/Jakarta")
UTC = dt.timezone.utc

# Cuti bersama days of the SKB 3 Menteri decrees for 2024 (855/2023, 3/2023,
# 4/2023), 2025 (1017/2024, 2/2024, 2/2024 plus the 18 August amendment) and
# 2026 (1497/2025, 2/2025, 5/2025), as published in news reports of the decrees.
SKB_CUTI_BERSAMA = [
    dt.date(2024, 2, 9),
    dt.date(2024, 3, 12),
    dt.date(2024, 4, 8),
    dt.date(2024, 4, 9),
    dt.date(2024, 4, 12),
    dt.date(2024, 4, 15),
    dt.date(2024, 5, 10),
    dt.date(2024, 5, 24),
    dt.date(2024, 6, 18),
    dt.date(2024, 12, 26),
    dt.date(2025, 1, 28),
    dt.date(2025, 3, 28),
    dt.date(2025, 4, 2),
    dt.date(2025, 4, 3),
    dt.date(2025, 4, 4),
    dt.date(2025, 4, 7),
    dt.date(2025, 5, 13),
    dt.date(2025, 5, 30),
    dt.date(2025, 6, 9),
    dt.date(2025, 8, 18),
    dt.date(2025, 12, 26),
    dt.date(2026, 2, 16),
    dt.date(2026, 3, 18),
    dt.date(2026, 3, 20),
    dt.date(2026, 3, 23),
    dt.date(2026, 3, 24),
    dt.date(2026, 5, 15),
    dt.date(2026, 5, 28),
    dt.date(2026, 12, 24),
]


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def end_of_wib_day(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, 999999, tzinfo=WIB)


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# is_working_day and holiday_name


def test_is_working_day_ordinary_wednesday(calendar):
    assert calendar.is_working_day(dt.date(2025, 6, 11))


def test_is_working_day_saturday(calendar):
    assert not calendar.is_working_day(dt.date(2025, 6, 14))


def test_is_working_day_sunday(calendar):
    assert not calendar.is_working_day(dt.date(2025, 6, 15))


def test_is_working_day_christmas(calendar):
    assert not calendar.is_working_day(dt.date(2025, 12, 25))


@pytest.mark.parametrize("day", SKB_CUTI_BERSAMA, ids=str)
def test_is_working_day_skb_cuti_bersama(calendar, day):
    assert not calendar.is_working_day(day)


def test_is_working_day_rejects_datetime(calendar):
    with pytest.raises(TypeError, match="local_date"):
        calendar.is_working_day(wib(2025, 6, 11, 9, 0))


def test_holiday_name_in_indonesian(calendar):
    assert calendar.holiday_name(dt.date(2025, 12, 25)) == "Hari Raya Natal"


def test_holiday_name_cuti_bersama(calendar):
    name = calendar.holiday_name(dt.date(2026, 3, 20))
    assert name == "Cuti Bersama Hari Raya Idul Fitri"


def test_holiday_name_working_day_is_none(calendar):
    assert calendar.holiday_name(dt.date(2025, 6, 11)) is None


def test_holiday_name_plain_weekend_is_none(calendar):
    assert calendar.holiday_name(dt.date(2025, 6, 14)) is None


# add_working_days


def test_add_working_days_returns_utc(calendar):
    due = calendar.add_working_days(wib(2025, 6, 11, 9, 0), 1)
    assert due.utcoffset() == dt.timedelta(0)


def test_add_working_days_next_day(calendar):
    due = calendar.add_working_days(wib(2025, 6, 11, 9, 0), 1)
    assert due == end_of_wib_day(2025, 6, 12)


def test_add_working_days_friday_skips_weekend(calendar):
    due = calendar.add_working_days(wib(2025, 6, 13, 16, 0), 1)
    assert due == end_of_wib_day(2025, 6, 16)


def test_add_working_days_across_lebaran_2025(calendar):
    # 28 Mar cuti bersama Nyepi, 29-30 weekend, 31 Mar-1 Apr Idul Fitri,
    # 2-4 Apr cuti bersama, 5-6 weekend, 7 Apr cuti bersama.
    due = calendar.add_working_days(wib(2025, 3, 27, 10, 0), 3)
    assert due == end_of_wib_day(2025, 4, 10)


def test_add_working_days_across_lebaran_2026(calendar):
    # 18 Mar cuti bersama Nyepi, 19 Nyepi, 20 cuti bersama, 21-22 Idul Fitri
    # on a weekend, 23-24 cuti bersama.
    due = calendar.add_working_days(wib(2026, 3, 17, 10, 0), 1)
    assert due == end_of_wib_day(2026, 3, 25)


def test_add_working_days_year_end_2025(calendar):
    # 25 Dec Natal, 26 Dec cuti bersama, 27-28 weekend.
    due = calendar.add_working_days(wib(2025, 12, 24, 14, 0), 3)
    assert due == end_of_wib_day(2025, 12, 31)


def test_add_working_days_into_new_year(calendar):
    due = calendar.add_working_days(wib(2025, 12, 24, 14, 0), 4)
    assert due == end_of_wib_day(2026, 1, 2)


def test_add_working_days_christmas_2026(calendar):
    # 24 Dec cuti bersama, 25 Dec Natal, 26-27 weekend.
    due = calendar.add_working_days(wib(2026, 12, 23, 11, 0), 1)
    assert due == end_of_wib_day(2026, 12, 28)


def test_add_working_days_saturday_night_wib(calendar):
    # 20:00 WIB on Saturday is 13:00 UTC, still Saturday in both zones.
    start = dt.datetime(2025, 6, 14, 13, 0, tzinfo=UTC)
    due = calendar.add_working_days(start, 1)
    assert due == end_of_wib_day(2025, 6, 17)


def test_add_working_days_sunday_late_wib(calendar):
    # 23:30 WIB on Sunday is 16:30 UTC on Sunday.
    start = dt.datetime(2025, 6, 15, 16, 30, tzinfo=UTC)
    due = calendar.add_working_days(start, 1)
    assert due == end_of_wib_day(2025, 6, 17)


def test_add_working_days_uses_city_date(calendar):
    # 03:00 WIB on Tuesday is 20:00 UTC on Monday, so the start day is Tuesday.
    start = dt.datetime(2025, 6, 16, 20, 0, tzinfo=UTC)
    due = calendar.add_working_days(start, 1)
    assert due == end_of_wib_day(2025, 6, 18)


def test_add_working_days_zero_on_working_day(calendar):
    due = calendar.add_working_days(wib(2025, 6, 11, 9, 0), 0)
    assert due == end_of_wib_day(2025, 6, 11)


def test_add_working_days_zero_on_saturday(calendar):
    due = calendar.add_working_days(wib(2025, 6, 14, 9, 0), 0)
    assert due == end_of_wib_day(2025, 6, 16)


def test_add_working_days_zero_on_christmas(calendar):
    due = calendar.add_working_days(wib(2025, 12, 25, 9, 0), 0)
    assert due == end_of_wib_day(2025, 12, 29)


def test_add_working_days_end_of_local_day(calendar):
    due = calendar.add_working_days(wib(2025, 6, 11, 9, 0), 1)
    assert due == dt.datetime(2025, 6, 12, 16, 59, 59, 999999, tzinfo=UTC)


def test_add_working_days_big_n_matches_numpy(calendar):
    start = wib(2025, 1, 2, 9, 0)
    entries = holidays.country_holidays(
        "ID", years=(2025, 2026), categories=("public", "government")
    )
    expected = np.busday_offset(
        np.datetime64("2025-01-02"),
        300,
        roll="forward",
        weekmask="1111100",
        holidays=sorted(entries),
    )
    expected_day = expected.astype(object)
    due = calendar.add_working_days(start, 300)
    expected_due = end_of_wib_day(
        expected_day.year, expected_day.month, expected_day.day
    )
    assert due == expected_due


def test_add_working_days_rejects_naive_start(calendar):
    with pytest.raises(ValueError, match="2025-06-11T09:00:00"):
        calendar.add_working_days(dt.datetime(2025, 6, 11, 9, 0), 1)


def test_add_working_days_rejects_negative_days(calendar):
    with pytest.raises(ValueError, match="-1"):
        calendar.add_working_days(wib(2025, 6, 11, 9, 0), -1)


def test_add_working_days_rejects_float_days(calendar):
    with pytest.raises(TypeError, match="1.5"):
        calendar.add_working_days(wib(2025, 6, 11, 9, 0), 1.5)


# working_days_between


def test_working_days_between_same_day(calendar):
    start = wib(2025, 6, 11, 9, 0)
    end = wib(2025, 6, 11, 15, 0)
    count = calendar.working_days_between(start, end)
    assert count == 0


def test_working_days_between_next_day(calendar):
    start = wib(2025, 6, 11, 9, 0)
    end = wib(2025, 6, 12, 8, 0)
    count = calendar.working_days_between(start, end)
    assert count == 1


def test_working_days_between_over_weekend(calendar):
    start = wib(2025, 6, 13, 9, 0)
    end = wib(2025, 6, 16, 8, 0)
    count = calendar.working_days_between(start, end)
    assert count == 1


def test_working_days_between_saturday_to_monday(calendar):
    start = wib(2025, 6, 14, 9, 0)
    end = wib(2025, 6, 16, 8, 0)
    count = calendar.working_days_between(start, end)
    assert count == 0


def test_working_days_between_across_lebaran_2025(calendar):
    start = wib(2025, 3, 27, 10, 0)
    end = wib(2025, 4, 10, 9, 0)
    count = calendar.working_days_between(start, end)
    assert count == 3


def test_working_days_between_inverts_add(calendar):
    starts = [
        wib(2025, 3, 27, 10, 0),
        wib(2025, 6, 14, 20, 0),
        wib(2025, 12, 25, 9, 0),
        dt.datetime(2025, 6, 16, 20, 0, tzinfo=UTC),
    ]
    for start in starts:
        for days in (0, 1, 3, 10, 40):
            due = calendar.add_working_days(start, days)
            assert calendar.working_days_between(start, due) == days, (start, days)


def test_working_days_between_rejects_end_before_start(calendar):
    with pytest.raises(ValueError, match="before start"):
        calendar.working_days_between(wib(2025, 6, 12, 9, 0), wib(2025, 6, 11, 9, 0))


def test_working_days_between_rejects_naive_end(calendar):
    with pytest.raises(ValueError, match="naive"):
        calendar.working_days_between(wib(2025, 6, 11, 9, 0), dt.datetime(2025, 6, 12))


# Coverage warnings and the cuti bersama file


def test_calendar_warns_once_for_uncovered_year(caplog):
    calendar = WorkingCalendar()
    caplog.set_level(logging.WARNING, logger="app.workdays")
    calendar.add_working_days(wib(2030, 3, 1, 9, 0), 20)
    calendar.is_working_day(dt.date(2030, 7, 1))
    calendar.holiday_name(dt.date(2030, 12, 25))
    warnings = [r for r in caplog.records if "2030" in r.getMessage()]
    assert len(warnings) == 1


def test_calendar_no_warning_for_covered_year(caplog):
    calendar = WorkingCalendar()
    caplog.set_level(logging.WARNING, logger="app.workdays")
    calendar.add_working_days(wib(2026, 3, 17, 9, 0), 5)
    assert caplog.records == []


def test_calendar_uncovered_year_skips_holidays():
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(dt.date(2030, 12, 25))


def test_calendar_extra_day_from_file(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n"
        "2030-06-14,Cuti Bersama Uji,Test collective leave,SKB 3 Menteri 2030\n",
    )
    calendar = WorkingCalendar(extra_holidays_path=path)
    assert not calendar.is_working_day(dt.date(2030, 6, 14))


def test_calendar_extra_day_name_from_file(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n"
        "2030-06-14,Cuti Bersama Uji,Test collective leave,SKB 3 Menteri 2030\n",
    )
    calendar = WorkingCalendar(extra_holidays_path=path)
    assert calendar.holiday_name(dt.date(2030, 6, 14)) == "Cuti Bersama Uji"


def test_calendar_file_row_covers_year(tmp_path, caplog):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n"
        "2030-06-14,Cuti Bersama Uji,Test collective leave,SKB 3 Menteri 2030\n",
    )
    calendar = WorkingCalendar(extra_holidays_path=path)
    caplog.set_level(logging.WARNING, logger="app.workdays")
    calendar.is_working_day(dt.date(2030, 6, 13))
    assert caplog.records == []


def test_calendar_duplicate_keeps_package_name(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n"
        "2025-12-26,Cuti Bersama Natal (file),Christmas leave,SKB 3 Menteri 2025\n",
    )
    calendar = WorkingCalendar(extra_holidays_path=path)
    name = calendar.holiday_name(dt.date(2025, 12, 26))
    assert name == "Cuti Bersama Hari Raya Natal"


def test_calendar_without_file_uses_package():
    calendar = WorkingCalendar(extra_holidays_path=None)
    assert not calendar.is_working_day(dt.date(2026, 3, 24))


def test_calendar_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        WorkingCalendar(extra_holidays_path=tmp_path / "absent.csv")


def test_calendar_rejects_unknown_timezone():
    with pytest.raises(ValueError, match="Asia/Jakata"):
        WorkingCalendar(timezone="Asia/Jakata")


def test_calendar_rejects_unknown_country():
    with pytest.raises(ValueError, match="'XX'"):
        WorkingCalendar(country="XX")


def test_calendar_other_zone_shifts_local_date():
    # 23:30 WIB on Friday is 00:30 WITA on Saturday.
    calendar = WorkingCalendar(timezone="Asia/Makassar")
    due = calendar.add_working_days(wib(2025, 6, 13, 23, 30), 0)
    wita = ZoneInfo("Asia/Makassar")
    assert due == dt.datetime(2025, 6, 16, 23, 59, 59, 999999, tzinfo=wita)


def test_read_cuti_bersama_rejects_invalid_date(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n14/06/2030,Cuti Bersama,Leave,SKB 2030\n",
    )
    with pytest.raises(ValueError, match="line 2: invalid date '14/06/2030'"):
        read_cuti_bersama(path)


def test_read_cuti_bersama_rejects_missing_column(tmp_path):
    path = write_csv(tmp_path / "cuti.csv", "date,name_id\n2030-06-14,Cuti Bersama\n")
    with pytest.raises(ValueError, match="missing column"):
        read_cuti_bersama(path)


def test_read_cuti_bersama_rejects_empty_source(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n2030-06-14,Cuti Bersama,Leave,\n",
    )
    with pytest.raises(ValueError, match="column source is empty"):
        read_cuti_bersama(path)


def test_read_cuti_bersama_rejects_repeated_date(tmp_path):
    path = write_csv(
        tmp_path / "cuti.csv",
        "date,name_id,name_en,source\n"
        "2030-06-14,Cuti Bersama,Leave,SKB 2030\n"
        "2030-06-14,Cuti Bersama,Leave,SKB 2030\n",
    )
    with pytest.raises(ValueError, match="already listed on line 2"):
        read_cuti_bersama(path)


def test_cuti_bersama_file_parses():
    days = read_cuti_bersama(DEFAULT_CUTI_BERSAMA_PATH)
    assert isinstance(days, list)


def test_cuti_bersama_file_has_no_package_duplicates():
    days = read_cuti_bersama(DEFAULT_CUTI_BERSAMA_PATH)
    years = {day.date.year for day in days}
    package = holidays.country_holidays(
        "ID", years=years, categories=("public", "government")
    )
    duplicates = [day.date for day in days if day.date in package]
    assert duplicates == []
