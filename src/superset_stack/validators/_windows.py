"""RDS backup and maintenance windows as sets of minutes, so overlaps are plain set intersections."""

from __future__ import annotations

import re

_BACKUP_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})-"
    r"(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * DAY_MINUTES


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
