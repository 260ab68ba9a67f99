"""Windows: the backup and maintenance windows derived for a stack with office hours, inside the
office day in every season."""

from __future__ import annotations

import pytest

from superset_stack.office_hours import parse
from superset_stack.validators._windows import (
    DEFAULT_BACKUP_WINDOW,
    DEFAULT_MAINTENANCE_WINDOW,
    maintenance_minutes,
    maintenance_text,
    office_backup_window,
    office_maintenance_window,
    runs,
    week_minutes_in_every_season,
)

MAINTENANCE = "sun:04:30-sun:05:30"


@pytest.mark.parametrize(
    ("zone", "window"),
    [
        ("UTC", "09:00-09:30"),  # two hours into 07:00-19:00
        ("Europe/Berlin", "08:00-08:30"),  # 09:00 in winter time, 10:00 in summer time
        ("America/New_York", "14:00-14:30"),  # 09:00 EST, 10:00 EDT
        ("Australia/Sydney", "23:00-23:30"),  # 09:00 AEST, 10:00 AEDT: the UTC day before
        ("Asia/Kolkata", "03:30-04:00"),  # 09:00 IST, no daylight saving time
    ],
)
def test_two_hours_into_the_office_day_in_every_season(zone: str, window: str) -> None:
    assert office_backup_window("MON-FRI 07:00-19:00", zone, MAINTENANCE) == window


def test_clear_of_the_maintenance_window() -> None:
    # 09:00-09:30 UTC would meet a Sunday 09:15 maintenance: the first clear half hour after it
    assert office_backup_window("MON-FRI 07:00-19:00", "UTC", "sun:09:15-sun:10:15") == "10:15-10:45"


def test_never_across_midnight() -> None:
    # 07:45 Sydney time plus two hours is 23:45 UTC in winter time: 23:45-00:15 would cross midnight
    assert office_backup_window("MON-FRI 07:45-19:00", "Australia/Sydney", MAINTENANCE) == "00:00-00:30"


@pytest.mark.parametrize(
    ("hours", "zone"),
    [("", "UTC"), ("", "Europe/Berlin"), ("MON-FRI 07:00-08:00", "Europe/Berlin"),  # always on; no room
     ("weekdays", "UTC"), ("MON-FRI 07:00-19:00", "Mars/Olympus")],  # invalid: the validators say so
)  # fmt: skip
def test_otherwise_the_default_window(hours: str, zone: str) -> None:
    assert office_backup_window(hours, zone, MAINTENANCE) == DEFAULT_BACKUP_WINDOW == "03:00-04:00"


@pytest.mark.parametrize(
    ("zone", "window"),
    [
        ("UTC", "mon:17:30-mon:18:00"),  # an hour before 19:00 on Monday
        ("Europe/Berlin", "mon:15:30-mon:16:00"),  # 16:30 in winter time, 17:30 in summer time
        ("America/New_York", "mon:21:30-mon:22:00"),  # 16:30 EST, 17:30 EDT
        ("Australia/Sydney", "mon:06:30-mon:07:00"),  # 16:30 AEST, 17:30 AEDT
        ("Asia/Kolkata", "mon:12:00-mon:12:30"),  # 17:30 IST
    ],
)
def test_maintenance_late_on_the_first_office_day_in_every_season(zone: str, window: str) -> None:
    assert office_maintenance_window("MON-FRI 07:00-19:00", zone, "03:00-04:00") == window
    assert maintenance_minutes(window) <= week_minutes_in_every_season(parse("MON-FRI 07:00-19:00"), zone)


def test_maintenance_clear_of_the_backup_window() -> None:
    assert office_maintenance_window("MON-FRI 07:00-19:00", "UTC", "17:45-18:15") == "mon:17:15-mon:17:45"


def test_maintenance_on_the_first_office_day_even_across_utc_midnight() -> None:
    # Sydney's Tuesday 07:00-10:00 starts on Monday evening UTC; the window ends an hour before 10:00
    assert office_maintenance_window("TUE,THU 07:00-10:00", "Australia/Sydney", "03:00-04:00") == (
        "mon:21:30-mon:22:00"
    )


def test_no_room_beside_the_backup_window_gives_the_default() -> None:
    # the daily backup window fills the whole office day (the validators then refuse the default)
    assert (
        office_maintenance_window("MON-FRI 07:00-09:00", "UTC", "07:00-09:00") == DEFAULT_MAINTENANCE_WINDOW
    )


@pytest.mark.parametrize(
    ("hours", "zone"),
    [("", "UTC"), ("MON-FRI 07:00-08:00", "Europe/Berlin"), ("weekdays", "UTC"),
     ("MON-FRI 07:00-19:00", "Mars/Olympus")],
)  # fmt: skip
def test_otherwise_the_default_maintenance_window(hours: str, zone: str) -> None:
    assert office_maintenance_window(hours, zone, "03:00-04:00") == DEFAULT_MAINTENANCE_WINDOW


def test_week_minutes_follow_the_office_days_across_the_week_boundary() -> None:
    # Monday 07:00-19:00 in Sydney is Sunday 21:00 (AEST) or 20:00 (AEDT) to Monday 08:00/09:00 UTC
    inside = week_minutes_in_every_season(parse("MON 07:00-19:00"), "Australia/Sydney")
    assert [maintenance_text(start, end) for start, end in runs(inside, 7 * 24 * 60)] == [
        "sun:21:00-mon:08:00"
    ]
