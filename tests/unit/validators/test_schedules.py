"""Schedules: office hours and their time zone."""

from __future__ import annotations

from dataclasses import replace

from superset_stack.validators import Problem
from superset_stack.validators.schedules import validate_office_hours
from tests.conftest import make_settings

DEV = make_settings("dev")  # MON-FRI 07:00-19:00 UTC


def test_hours_need_a_pattern_and_a_real_zone() -> None:
    settings = replace(DEV, office_hours="weekdays", office_hours_timezone="Europe/Springfield")
    assert validate_office_hours(settings) == [
        Problem("officeHours", "expected 'DAYS HH:MM-HH:MM' such as 'MON-FRI 07:00-19:00', got 'weekdays'"),
        Problem(
            "officeHoursTimezone",
            "not an IANA time zone, got 'Europe/Springfield'; e.g. UTC, Europe/Berlin, Australia/Sydney",
        ),
    ]


def test_an_always_on_stack_still_names_a_real_zone() -> None:
    assert (
        validate_office_hours(replace(DEV, office_hours="", office_hours_timezone="Australia/Sydney")) == []
    )
    assert validate_office_hours(replace(DEV, office_hours="", office_hours_timezone="Mars/Olympus")) == [
        Problem(
            "officeHoursTimezone",
            "not an IANA time zone, got 'Mars/Olympus'; e.g. UTC, Europe/Berlin, Australia/Sydney",
        )
    ]
