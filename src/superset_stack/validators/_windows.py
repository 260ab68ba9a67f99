"""RDS backup and maintenance windows as sets of minutes, so overlaps are plain set intersections;
and the backup window a stack with office hours gets when it names none."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfoNotFoundError

from superset_stack import office_hours

_BACKUP_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})-"
    r"(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * DAY_MINUTES
DEFAULT_BACKUP_WINDOW = "03:00-04:00"  # UTC; for a stack that is always on
OFFICE_BACKUP_WINDOW_MINUTES = 30  # the shortest window RDS takes
# With office hours the window starts this long into the office day (in every season): after AWS
# Backup's daily job, which starts with the day within a 60-minute window (backup.py), has had an
# hour to take its snapshot, and long before the database is stopped in the evening.
OFFICE_BACKUP_LEAD_MINUTES = 120


def backup_minutes(window: str) -> set[int] | None:
    """Minutes of the day (0-1439) a daily 'hh:mm-hh:mm' window covers, or None if it is not one."""
    match = _BACKUP_WINDOW.match(window)
    if not match:
        return None
    start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
    if start is None or end is None:
        return None
    return _window_minutes(start, end, DAY_MINUTES)


def maintenance_minutes(window: str) -> set[int] | None:
    """Minutes of the week (0 = Monday 00:00) a 'ddd:hh:mm-ddd:hh:mm' window covers, or None."""
    match = _MAINTENANCE_WINDOW.match(window)
    if not match:
        return None
    start, end = _minutes(match[2], match[3]), _minutes(match[5], match[6])
    if start is None or end is None:
        return None
    start += _DAYS.index(match[1]) * DAY_MINUTES
    end += _DAYS.index(match[4]) * DAY_MINUTES
    return _window_minutes(start, end, _WEEK_MINUTES)


def _minutes(hour: str, minute: str) -> int | None:
    h, m = int(hour), int(minute)
    return h * 60 + m if h < 24 and m < 60 else None


def _window_minutes(start: int, end: int, modulo: int) -> set[int]:
    length = (end - start) % modulo
    return {(start + offset) % modulo for offset in range(length)}


def window_text(start: int, end: int) -> str:
    """'hh:mm-hh:mm' of minutes of the day [start, end)."""
    return f"{start // 60:02d}:{start % 60:02d}-{end % DAY_MINUTES // 60:02d}:{end % 60:02d}"


def office_backup_window(hours: str, timezone: str, maintenance_window: str) -> str:
    """The backup window a stack gets when it names none: DEFAULT_BACKUP_WINDOW when it is always on;
    with office hours the first 30 minutes, OFFICE_BACKUP_LEAD_MINUTES into the office day or later,
    that lie inside it in every season, clear of the maintenance window and not across midnight.

    Falls back to DEFAULT_BACKUP_WINDOW when the hours or the zone are invalid or no such window
    exists; the validators then say why.
    """
    try:
        schedule = office_hours.parse(hours) if hours else None
        offsets = office_hours.utc_offsets_minutes(timezone) if schedule else ()
    except (ValueError, ZoneInfoNotFoundError):
        return DEFAULT_BACKUP_WINDOW
    if schedule is None:
        return DEFAULT_BACKUP_WINDOW
    inside = office_hours.utc_minutes_in_every_season(schedule, timezone)
    weekly = maintenance_minutes(maintenance_window) or set()
    busy = {minute % DAY_MINUTES for minute in weekly}
    earliest = schedule.start_minute + OFFICE_BACKUP_LEAD_MINUTES - offsets[0]
    for step in range(DAY_MINUTES):
        start = (earliest + step) % DAY_MINUTES
        window = set(range(start, start + OFFICE_BACKUP_WINDOW_MINUTES))
        if start + OFFICE_BACKUP_WINDOW_MINUTES <= DAY_MINUTES and window <= inside and not window & busy:
            return window_text(start, start + OFFICE_BACKUP_WINDOW_MINUTES)
    return DEFAULT_BACKUP_WINDOW
