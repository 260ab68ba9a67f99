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

from superset_stack import office_hours
from superset_stack.validators._problem import Problem
from superset_stack.validators._windows import (
    OFFICE_MAINTENANCE_WINDOW_MINUTES,
    Refusal,
    maintenance_minutes,
    maintenance_text,
    office_maintenance_window,
    office_minutes,
    runs,
    week_minutes_in_every_season,
)

if TYPE_CHECKING:
    from superset_stack.settings import Settings

WEEK_MINUTES = 7 * office_hours.DAY_MINUTES
REFUSAL = Refusal(
    key="dbMaintenanceWindow", other_key="dbBackupWindow", where="the office days", unit="an office day",
    consequence="RDS does no maintenance (patches, minor version upgrades, the changes a deploy leaves for "
    "the window) while office hours keep the database stopped", length=OFFICE_MAINTENANCE_WINDOW_MINUTES,
)  # fmt: skip


def validate_maintenance_window_in_office_hours(s: Settings) -> list[Problem]:
    """With officeHours, every minute of dbMaintenanceWindow lies inside an office day in every
    season of officeHoursTimezone; silent while the hours, the zone or the window are invalid
    themselves (their own validators say so)."""
    window = maintenance_minutes(s.db_maintenance_window)
    inside = office_minutes(s.office_hours, s.office_hours_timezone, week_minutes_in_every_season)
    if inside is None or window is None or window <= inside:
        return []
    spans = [
        maintenance_text(start, end)
        for start, end in runs(inside, WEEK_MINUTES)
        if end - start >= OFFICE_MAINTENANCE_WINDOW_MINUTES
    ]
    suggestion = office_maintenance_window(s.office_hours, s.office_hours_timezone, s.db_backup_window)
    fits = (maintenance_minutes(suggestion) or set()) <= inside  # else the backup window took every place
    return [REFUSAL.problem(s.db_maintenance_window, s, spans, suggestion if fits else None)]
