"""Office hours: when a non-production stack runs, as the cron expressions AWS schedulers take.

Written `DAYS HH:MM-HH:MM`, e.g. `MON-FRI 07:00-19:00`, in a named time zone. The services scale
to zero outside these hours; the database starts DB_START_LEAD_MINUTES earlier (a start takes
several minutes) and stops DB_STOP_DELAY_MINUTES later (after the tasks have drained). The cost
model reads the same expressions back (`running_hours_per_week`), so the saving it reports is the
schedule the stack declares. `utc_minutes_in_every_season` says which minutes of the UTC day lie
inside the office day whatever the season: what RDS's daily backup window (UTC) must hit, since a
stopped database takes no automated backup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DB_START_LEAD_MINUTES = 30
DB_STOP_DELAY_MINUTES = 15
HOURS_PER_WEEK = 168
DAY_MINUTES = 24 * 60

_TEXT = re.compile(r"^(?P<days>[A-Z,-]+) (?P<h1>\d{2}):(?P<m1>\d{2})-(?P<h2>\d{2}):(?P<m2>\d{2})$")
_CRON = re.compile(r"^cron\((?P<minute>\d{1,2}) (?P<hour>\d{1,2}) \? \* (?P<days>[A-Z,-]+) \*\)$")


def _days(text: str) -> tuple[str, ...]:
    """`MON-FRI`, `MON,WED,FRI` or a mix, as day names in week order; ValueError when malformed."""
    chosen: set[str] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"unknown day in {text!r}; use {', '.join(DAY_NAMES)}, ranges like MON-FRI")
        low, high = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        if high < low:
            raise ValueError(f"day range {part!r} runs backwards; write it from MON towards SUN")
        chosen.update(DAY_NAMES[low : high + 1])
    return tuple(day for day in DAY_NAMES if day in chosen)


def _day_field(days: Iterable[str]) -> str:
    chosen = tuple(days)
    indexes = [DAY_NAMES.index(day) for day in chosen]
    if len(chosen) > 1 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{chosen[0]}-{chosen[-1]}"
    return ",".join(chosen)


@dataclass(frozen=True)
class OfficeHours:
    """Days of the week and the minutes after midnight the stack starts and stops serving."""

    days: tuple[str, ...]
    start_minute: int
    end_minute: int

    def cron(self, minute_of_day: int) -> str:
        """A cron expression (AWS six-field form) firing at `minute_of_day` on the office days."""
        hour, minute = divmod(minute_of_day, 60)
        return f"cron({minute} {hour} ? * {_day_field(self.days)} *)"

    @property
    def services_start(self) -> str:
        return self.cron(self.start_minute)

    @property
    def services_stop(self) -> str:
        return self.cron(self.end_minute)

    @property
    def database_start(self) -> str:
        return self.cron(self.start_minute - DB_START_LEAD_MINUTES)

    @property
    def database_stop(self) -> str:
        return self.cron(self.end_minute + DB_STOP_DELAY_MINUTES)


def parse(text: str) -> OfficeHours:
    """Read `DAYS HH:MM-HH:MM`; ValueError saying what is wrong and what is allowed."""
    match = _TEXT.match(text.strip().upper())
    if match is None:
        raise ValueError(f"expected 'DAYS HH:MM-HH:MM' such as 'MON-FRI 07:00-19:00', got {text!r}")
    days = _days(match["days"])
    start = int(match["h1"]) * 60 + int(match["m1"])
    end = int(match["h2"]) * 60 + int(match["m2"])
    if int(match["m1"]) > 59 or int(match["m2"]) > 59 or end > 24 * 60:
        raise ValueError(f"not a time of day in {text!r}")
    # the database starts earlier and stops later on the same day: keep both inside the day
    if start < DB_START_LEAD_MINUTES or end > 24 * 60 - DB_STOP_DELAY_MINUTES - 1:
        raise ValueError(
            f"hours must run from 00:{DB_START_LEAD_MINUTES:02d} at the earliest to "
            f"23:{59 - DB_STOP_DELAY_MINUTES:02d} at the latest (the database starts "
            f"{DB_START_LEAD_MINUTES} minutes before and stops {DB_STOP_DELAY_MINUTES} after), got {text!r}"
        )
    if end - start < 60:
        raise ValueError(f"the stack must run at least an hour a day, got {text!r}")
    return OfficeHours(days, start, end)


def parse_cron(expression: str) -> tuple[tuple[str, ...], int]:
    """The days and minute of day of a cron expression this module writes."""
    match = _CRON.match(expression)
    if match is None:
        raise ValueError(f"not an office-hours cron expression: {expression!r}")
    return _days(match["days"]), int(match["hour"]) * 60 + int(match["minute"])


def running_hours_per_week(start: str, stop: str) -> float:
    """Hours a week between a start and a stop expression on the same days (a same-day window)."""
    start_days, start_minute = parse_cron(start)
    stop_days, stop_minute = parse_cron(stop)
    if start_days != stop_days or stop_minute <= start_minute:
        raise ValueError(f"{start} and {stop} do not describe one window a day on the same days")
    return len(start_days) * (stop_minute - start_minute) / 60


def utc_offsets_minutes(timezone: str, start: date | None = None) -> tuple[int, ...]:
    """The UTC offsets (minutes east of UTC, smallest first) `timezone` has at noon on some day of
    the year from `start` (today by default): its winter and summer time. ValueError or
    ZoneInfoNotFoundError for a zone that does not exist."""
    zone, first = ZoneInfo(timezone), start or date.today()
    offsets = set()
    for day in range(366):
        offset = datetime.combine(first + timedelta(days=day), time(12), zone).utcoffset()
        offsets.add(int(offset.total_seconds()) // 60 if offset is not None else 0)
    return tuple(sorted(offsets))


def utc_minutes_in_every_season(hours: OfficeHours, timezone: str, start: date | None = None) -> set[int]:
    """Minutes of the UTC day (0-1439) inside the office day [start, end) under every UTC offset
    `timezone` has in the year from `start`: a daily UTC window made of them falls in office hours
    in winter and in summer time alike. Empty when no minute does."""
    office_day = range(hours.start_minute, hours.end_minute)
    seasons = [
        {(minute - offset) % DAY_MINUTES for minute in office_day}
        for offset in utc_offsets_minutes(timezone, start)
    ]
    return set.intersection(*seasons)
