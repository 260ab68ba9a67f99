"""Windows: the backup window derived for a stack with office hours, inside the office day."""

from __future__ import annotations

import pytest

from superset_stack.validators._windows import DEFAULT_BACKUP_WINDOW, office_backup_window

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
