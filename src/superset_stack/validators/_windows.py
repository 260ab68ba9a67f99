"""RDS backup and maintenance windows as sets of minutes, so overlaps are plain set intersections;
and the backup and maintenance windows a stack with office hours gets when it names none."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from superset_stack import office_hours
from superset_stack.validators._problem import Problem

_BACKUP_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})-"
    r"(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * DAY_MINUTES
DEFAULT_BACKUP_WINDOW = "03:00-04:00"  # UTC; for a stack that is always on
DEFAULT_MAINTENANCE_WINDOW = "sun:04:30-sun:05:30"  # UTC; for a stack that is always on
OFFICE_BACKUP_WINDOW_MINUTES = 30  # the shortest window RDS takes
# With office hours the window starts this long into the office day (in every season): after AWS
# Backup's daily job, which starts with the day within a 60-minute window (backup.py), has had an
# hour to take its snapshot, and long before the database is stopped in the evening.
OFFICE_BACKUP_LEAD_MINUTES = 120
OFFICE_MAINTENANCE_WINDOW_MINUTES = 30  # the shortest window RDS takes
# With office hours the maintenance window ends this long before the office day does (in every
# season): maintenance that runs past its window (a minor version upgrade can take half an hour)
# is over before the evening stop, which RDS refuses while the instance is being modified.
OFFICE_MAINTENANCE_TAIL_MINUTES = 60


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


def week_minutes_in_every_season(hours: office_hours.OfficeHours, timezone: str) -> set[int]:
    """Minutes of the UTC week (0 = Monday 00:00 UTC) inside an office day under every UTC offset
    `timezone` has in the year: a weekly UTC window made of them falls on an office day, inside its
    hours, in winter and in summer time alike. Raises like office_hours.utc_offsets_minutes."""
    office_week = {
        office_hours.DAY_NAMES.index(day) * DAY_MINUTES + minute
        for day in hours.days
        for minute in range(hours.start_minute, hours.end_minute)
    }
    seasons = [
        {(minute - offset) % _WEEK_MINUTES for minute in office_week}
        for offset in office_hours.utc_offsets_minutes(timezone)
    ]
    return set.intersection(*seasons)


def maintenance_text(start: int, end: int) -> str:
    """'ddd:hh:mm-ddd:hh:mm' of minutes of the week [start, end) (0 = Monday 00:00)."""

    def moment(minute: int) -> str:
        day, rest = divmod(minute % _WEEK_MINUTES, DAY_MINUTES)
        return f"{_DAYS[day]}:{rest // 60:02d}:{rest % 60:02d}"

    return f"{moment(start)}-{moment(end)}"


def runs(minutes: set[int], modulo: int) -> list[tuple[int, int]]:
    """The minutes (of the day or the week: `modulo`) as runs [start, end), in order; a run may wrap
    around the end, whose `end` is then past `modulo`."""
    starts = sorted(minute for minute in minutes if (minute - 1) % modulo not in minutes)
    found = []
    for start in starts:
        end = start + 1
        while end % modulo in minutes and end - start < modulo:
            end += 1
        found.append((start, end))
    return found


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


def office_maintenance_window(hours: str, timezone: str, backup_window: str) -> str:
    """The maintenance window a stack gets when it names none: DEFAULT_MAINTENANCE_WINDOW when it
    is always on; with office hours the latest 30 minutes of the first office day of the week that
    lie inside it in every season, end OFFICE_MAINTENANCE_TAIL_MINUTES before it does and are clear
    of the (daily) backup window. Every office day has the same hours, so the first is as good as
    any: a problem a maintenance brings is noticed with the week ahead.

    Falls back to DEFAULT_MAINTENANCE_WINDOW when the hours or the zone are invalid or no such
    window exists; the validators then say why.
    """
    try:
        schedule = office_hours.parse(hours) if hours else None
        offsets = office_hours.utc_offsets_minutes(timezone) if schedule else ()
    except (ValueError, ZoneInfoNotFoundError):
        return DEFAULT_MAINTENANCE_WINDOW
    if schedule is None:
        return DEFAULT_MAINTENANCE_WINDOW
    inside = week_minutes_in_every_season(schedule, timezone)
    daily = backup_minutes(backup_window) or set()
    busy = {day * DAY_MINUTES + minute for day in range(7) for minute in daily}
    length = OFFICE_MAINTENANCE_WINDOW_MINUTES
    # the first office day's end in UTC under the largest offset: the earliest it ends in any season
    latest = office_hours.DAY_NAMES.index(schedule.days[0]) * DAY_MINUTES + schedule.end_minute - offsets[-1]
    for end in range(latest - OFFICE_MAINTENANCE_TAIL_MINUTES, latest - DAY_MINUTES, -1):
        window = {minute % _WEEK_MINUTES for minute in range(end - length, end)}
        if window <= inside and not window & busy:
            return maintenance_text(end - length, end)
    return DEFAULT_MAINTENANCE_WINDOW


def office_minutes(
    hours: str, timezone: str, minutes_of: Callable[[office_hours.OfficeHours, str], set[int]]
) -> set[int] | None:
    """What `minutes_of` says of valid office hours in `timezone`; None when the stack is always on
    or the hours or the zone are invalid (their own validators say so)."""
    try:
        return minutes_of(office_hours.parse(hours), timezone) if hours else None
    except (ValueError, ZoneInfoNotFoundError):
        return None


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """How a validator words a window outside office hours (backup_window.py, maintenance_window.py).

    Attributes:
        key, other_key: the window's setting, and the other window's, which may take its place.
        consequence: why it matters, e.g. "RDS takes no automated backup while ...".
        where: the office hours as the window counts them: "the office day", "the office days".
        length: the shortest window RDS takes, in minutes; `unit` what holds none ("the UTC day").
    """

    key: str
    other_key: str
    consequence: str
    where: str
    length: int
    unit: str

    def problem(self, window: str, s: Any, spans: list[str], suggestion: str | None) -> Problem:
        """`window` (of settings `s`) refused: lengthen the hours when `spans` (where a window fits,
        'a-b') is empty; otherwise choose inside them, e.g. `suggestion` (None: the other window
        takes every place)."""
        outside = (
            f"{window} UTC is outside officeHours {s.office_hours} ({s.office_hours_timezone}), and "
            f"{self.consequence}"
        )
        if not spans:
            return Problem(
                self.key,
                f"{outside}; no {self.length} minutes of {self.unit} lie inside them in both winter and "
                "summer time: lengthen officeHours",
            )
        inside = ", ".join(spans)
        choose = f"choose a window inside {inside} UTC ({self.where} in both winter and summer time)"
        if suggestion:
            choose += f", e.g. {suggestion}, or leave {self.key} unset to get that one"
        else:
            choose += f" and clear of {self.other_key}"
        return Problem(self.key, f"{outside}; {choose}")
