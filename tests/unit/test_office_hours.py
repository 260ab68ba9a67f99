"""Office hours: parsing with clear errors, the cron expressions written, and reading them back."""

from __future__ import annotations

from datetime import date

import pytest

from superset_stack import office_hours
from superset_stack.office_hours import OfficeHours, parse, parse_cron, running_hours_per_week


def test_weekday_hours_become_four_expressions_around_the_day() -> None:
    hours = parse("mon-fri 07:00-19:00")
    assert hours == OfficeHours(("MON", "TUE", "WED", "THU", "FRI"), 7 * 60, 19 * 60)
    assert (hours.services_start, hours.services_stop) == (
        "cron(0 7 ? * MON-FRI *)",
        "cron(0 19 ? * MON-FRI *)",
    )
    assert (hours.database_start, hours.database_stop) == (
        "cron(30 6 ? * MON-FRI *)",
        "cron(15 19 ? * MON-FRI *)",
    )
    assert running_hours_per_week(hours.services_start, hours.services_stop) == 5 * 12


def test_day_lists_and_ranges_mix_and_come_out_in_week_order() -> None:
    hours = parse("FRI,MON-TUE 09:30-17:00")
    assert hours.days == ("MON", "TUE", "FRI")
    assert hours.services_start == "cron(30 9 ? * MON,TUE,FRI *)"
    assert parse("SAT 10:00-12:00").services_stop == "cron(0 12 ? * SAT *)"


def test_expressions_read_back_to_the_hours_they_describe() -> None:
    hours = parse("MON,WED-THU 08:15-18:45")
    assert parse_cron(hours.services_start) == (("MON", "WED", "THU"), 8 * 60 + 15)
    services = running_hours_per_week(hours.services_start, hours.services_stop)
    assert services == 3 * 10.5
    database = running_hours_per_week(hours.database_start, hours.database_stop)
    lead_and_delay = (office_hours.DB_START_LEAD_MINUTES + office_hours.DB_STOP_DELAY_MINUTES) / 60
    assert database == services + 3 * lead_and_delay


@pytest.mark.parametrize(
    ("text", "message"),
    [("weekdays 7-19", "expected 'DAYS HH:MM-HH:MM' such as 'MON-FRI 07:00-19:00', got 'weekdays 7-19'"),
     ("MON-FUN 07:00-19:00", "unknown day in 'MON-FUN'; use MON, TUE, WED, THU, FRI, SAT, SUN"),
     ("FRI-MON 07:00-19:00", "day range 'FRI-MON' runs backwards"),
     ("MON 07:61-19:00", "not a time of day in 'MON 07:61-19:00'"),
     ("MON 00:10-19:00", "hours must run from 00:30 at the earliest to 23:44 at the latest"),
     ("MON 07:00-23:50", "hours must run from 00:30 at the earliest to 23:44 at the latest"),
     ("MON 07:00-07:30", "the stack must run at least an hour a day, got 'MON 07:00-07:30'")],
)  # fmt: skip
def test_bad_hours_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_a_window_must_be_one_same_day_span() -> None:
    with pytest.raises(ValueError, match="do not describe one window a day on the same days"):
        running_hours_per_week("cron(0 19 ? * MON-FRI *)", "cron(0 7 ? * MON-FRI *)")
    with pytest.raises(ValueError, match="not an office-hours cron expression"):
        parse_cron("rate(1 hour)")


@pytest.mark.parametrize(
    ("zone", "offsets"),
    [("UTC", (0,)), ("Europe/Berlin", (60, 120)), ("America/New_York", (-300, -240)),
     ("Asia/Kolkata", (330,)), ("Australia/Sydney", (600, 660)), ("Australia/Lord_Howe", (630, 660))],
)  # fmt: skip
def test_a_zone_has_its_winter_and_summer_offsets(zone: str, offsets: tuple[int, ...]) -> None:
    assert office_hours.utc_offsets_minutes(zone, date(2026, 11, 29)) == offsets


def minutes(first: str, last: str) -> set[int]:
    """Minutes of the UTC day from `first` up to, not including, `last` (across midnight if need be)."""
    start, end = (int(text[:2]) * 60 + int(text[3:]) for text in (first, last))
    return {(start + offset) % (24 * 60) for offset in range((end - start) % (24 * 60))}


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("UTC", "07:00", "19:00"),
        # 06:00-18:00 UTC in winter time, 05:00-17:00 in summer time: both hold 06:00-17:00
        ("Europe/Berlin", "06:00", "17:00"),
        ("America/New_York", "12:00", "23:00"),
        # 21:00-09:00 UTC in winter (AEST), 20:00-08:00 in summer (AEDT): across UTC midnight
        ("Australia/Sydney", "21:00", "08:00"),
    ],
)
def test_the_utc_minutes_inside_the_office_day_in_every_season(zone: str, first: str, last: str) -> None:
    inside = office_hours.utc_minutes_in_every_season(parse("MON-FRI 07:00-19:00"), zone, date(2026, 11, 29))
    assert inside == minutes(first, last)


def test_a_daylight_saving_shift_can_leave_no_minute_in_every_season() -> None:
    hours = parse("MON-FRI 07:00-08:00")
    day = date(2026, 11, 29)
    assert office_hours.utc_minutes_in_every_season(hours, "Europe/Berlin", day) == set()
    assert office_hours.utc_minutes_in_every_season(hours, "UTC", day) == minutes("07:00", "08:00")
