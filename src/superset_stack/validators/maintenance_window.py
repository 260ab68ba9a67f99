"""Maintenance window: with office hours, RDS's weekly maintenance window must fall inside an office day.

RDS does its maintenance in that window: operating system and engine patches, minor version
upgrades, and the instance changes a deploy leaves for it (the stack does not apply them
immediately). A stopped instance gets none, and office hours stop it every night and weekend: a
window outside the office days (the default sun:04:30-sun:05:30) never comes while it runs. The
window is UTC and does not follow daylight saving time, so it must lie inside an office day in
winter and in summer time alike. Left unset, a window that does is derived (validators/_windows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfoNotFoundError

from superset_stack import office_hours
from superset_stack.validators._problem import Problem
from superset_stack.validators._windows import (
    OFFICE_MAINTENANCE_WINDOW_MINUTES,
    maintenance_minutes,
    maintenance_text,
    office_maintenance_window,
    runs,
    week_minutes_in_every_season,
)

if TYPE_CHECKING:
    from superset_stack.settings import Settings

WEEK_MINUTES = 7 * office_hours.DAY_MINUTES


def validate_maintenance_window_in_office_hours(s: Settings) -> list[Problem]:
    """With officeHours, every minute of dbMaintenanceWindow lies inside an office day in every
    season of officeHoursTimezone; silent while the hours, the zone or the window are invalid
    themselves (their own validators say so)."""
    window = maintenance_minutes(s.db_maintenance_window)
    try:
        hours = office_hours.parse(s.office_hours) if s.office_hours else None
        inside = week_minutes_in_every_season(hours, s.office_hours_timezone) if hours else set()
    except (ValueError, ZoneInfoNotFoundError):
        return []
    if hours is None or window is None or window <= inside:
        return []
    outside = (
        f"{s.db_maintenance_window} UTC is outside officeHours {s.office_hours} ({s.office_hours_timezone}), "
        "and RDS does no maintenance (patches, minor version upgrades, the changes a deploy leaves for "
        "the window) while office hours keep the database stopped"
    )
    length = OFFICE_MAINTENANCE_WINDOW_MINUTES
    spans = [(start, end) for start, end in runs(inside, WEEK_MINUTES) if end - start >= length]
    if not spans:
        return [
            Problem(
                "dbMaintenanceWindow",
                f"{outside}; no {length} minutes of an office day lie inside "
                "them in both winter and summer time: lengthen officeHours",
            )
        ]
    choose = (
        f"choose a window inside {', '.join(maintenance_text(start, end) for start, end in spans)} UTC "
        "(the office days in both winter and summer time)"
    )
    suggestion = office_maintenance_window(s.office_hours, s.office_hours_timezone, s.db_backup_window)
    if (maintenance_minutes(suggestion) or set()) <= inside:
        choose += f", e.g. {suggestion}, or leave dbMaintenanceWindow unset to get that one"
    else:  # the backup window takes every place the derivation tries
        choose += " and clear of dbBackupWindow"
    return [Problem("dbMaintenanceWindow", f"{outside}; {choose}")]
