"""Backup window: with office hours, RDS's daily backup window must fall inside the office day.

RDS takes no automated backup while the instance is stopped, and office hours stop it every night
and weekend: a window outside the office day means no automated backup at all. The window is UTC
and does not follow daylight saving time, so it must lie inside the office day in winter and in
summer time alike. Left unset, a window that does is derived (validators/_windows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack import office_hours
from superset_stack.validators._problem import Problem
from superset_stack.validators._windows import (
    DAY_MINUTES,
    OFFICE_BACKUP_WINDOW_MINUTES,
    Refusal,
    backup_minutes,
    office_backup_window,
    office_minutes,
    runs,
    window_text,
)

if TYPE_CHECKING:
    from superset_stack.settings import Settings


REFUSAL = Refusal(
    key="dbBackupWindow", other_key="dbMaintenanceWindow", where="the office day", unit="the UTC day",
    consequence="RDS takes no automated backup while office hours keep the database stopped",
    length=OFFICE_BACKUP_WINDOW_MINUTES,
)  # fmt: skip


def validate_backup_window_in_office_hours(s: Settings) -> list[Problem]:
    """With officeHours, every minute of dbBackupWindow lies inside the office day in every season
    of officeHoursTimezone; silent while the hours, the zone or the window are invalid themselves
    (their own validators say so)."""
    window = backup_minutes(s.db_backup_window)
    inside = office_minutes(s.office_hours, s.office_hours_timezone, office_hours.utc_minutes_in_every_season)
    if inside is None or window is None or window <= inside:
        return []
    if not _has_run(inside, OFFICE_BACKUP_WINDOW_MINUTES):
        return [REFUSAL.problem(s.db_backup_window, s, [], None)]
    suggestion = office_backup_window(s.office_hours, s.office_hours_timezone, s.db_maintenance_window)
    fits = (backup_minutes(suggestion) or set()) <= inside  # else the maintenance window took every place
    return [REFUSAL.problem(s.db_backup_window, s, _runs(inside), suggestion if fits else None)]


def _has_run(minutes: set[int], length: int) -> bool:
    """Whether `length` consecutive minutes of the day (not across midnight) are all in `minutes`."""
    return any(set(range(start, start + length)) <= minutes for start in range(DAY_MINUTES - length + 1))


def _runs(minutes: set[int]) -> list[str]:
    """The minutes as 'hh:mm-hh:mm' runs, in order of the day; a run may cross midnight."""
    return [window_text(start, end) for start, end in runs(minutes, DAY_MINUTES)]
