"""Schedules: the office hours outside which the stack scales to zero, and their time zone."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from superset_stack.office_hours import parse as parse_office_hours
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_office_hours(s: Settings) -> list[Problem]:
    """officeHours, when given, parses; officeHoursTimezone is an IANA time zone."""
    problems = []
    if s.office_hours:
        try:
            parse_office_hours(s.office_hours)
        except ValueError as error:
            problems.append(Problem("officeHours", str(error)))
    try:
        ZoneInfo(s.office_hours_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "officeHoursTimezone",
                f"not an IANA time zone, got {s.office_hours_timezone!r}; "
                "e.g. UTC, Europe/Berlin, Australia/Sydney",
            )
        )
    return problems
