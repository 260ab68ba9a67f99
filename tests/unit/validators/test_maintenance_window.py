"""Maintenance window: inside an office day in every season, or refused with where it must go."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.maintenance_window import validate_maintenance_window_in_office_hours
from tests.conftest import make_settings

BERLIN = make_settings("dev", officeHoursTimezone="Europe/Berlin")  # MON-FRI 07:00-19:00
BERLIN_DAYS = (
    "mon:06:00-mon:17:00, tue:06:00-tue:17:00, wed:06:00-wed:17:00, thu:06:00-thu:17:00, fri:06:00-fri:17:00"
)


@pytest.mark.parametrize(
    ("preset", "values", "window"),
    [
        ("dev", {}, "mon:17:30-mon:18:00"),  # office hours in UTC
        ("dev", {"officeHoursTimezone": "Europe/Berlin"}, "mon:15:30-mon:16:00"),
        ("dev", {"officeHours": ""}, "sun:04:30-sun:05:30"),  # always on: at night, on the weekend
        ("prod", {}, "sun:04:30-sun:05:30"),
        ("dev", {"dbMaintenanceWindow": "wed:10:00-wed:11:00"}, "wed:10:00-wed:11:00"),  # given: kept
        ("dev", {"dbBackupWindow": "17:00-18:00"}, "mon:16:30-mon:17:00"),  # clear of a given backup
    ],
)
def test_a_window_left_unset_is_derived_inside_an_office_day(
    preset: str, values: dict[str, str], window: str
) -> None:
    settings = make_settings(preset, **values)
    assert settings.db_maintenance_window == window
    assert validate_maintenance_window_in_office_hours(settings) == []


def test_a_given_maintenance_window_moves_the_derived_backup_window_aside() -> None:
    settings = make_settings("dev", dbMaintenanceWindow="tue:09:00-tue:10:00")
    assert (settings.db_backup_window, settings.db_maintenance_window) == (
        "10:00-10:30",
        "tue:09:00-tue:10:00",
    )


@pytest.mark.parametrize("window", ["mon:06:00-mon:07:00", "fri:16:30-fri:17:00", "wed:06:00-wed:17:00"])
def test_a_window_inside_an_office_day_in_winter_and_summer_time(window: str) -> None:
    assert validate_maintenance_window_in_office_hours(replace(BERLIN, db_maintenance_window=window)) == []


@pytest.mark.parametrize(
    "window",
    ["sun:04:30-sun:05:30", "sat:10:00-sat:11:00", "mon:05:30-mon:06:30", "fri:16:45-fri:17:15",
     "mon:16:30-tue:06:30"],
)  # fmt: skip
def test_a_window_outside_them_in_either_season_or_on_a_day_off_is_refused(window: str) -> None:
    # 05:30 UTC is 07:30 in summer time but 06:30 in winter time; 17:00 is 19:00 in summer time
    assert validate_maintenance_window_in_office_hours(replace(BERLIN, db_maintenance_window=window)) == [
        Problem(
            "dbMaintenanceWindow",
            f"{window} UTC is outside officeHours MON-FRI 07:00-19:00 (Europe/Berlin), and RDS does no "
            "maintenance (patches, minor version upgrades, the changes a deploy leaves for the window) while "
            f"office hours keep the database stopped; choose a window inside {BERLIN_DAYS} UTC (the office "
            "days in both winter and summer time), e.g. mon:15:30-mon:16:00, or leave dbMaintenanceWindow "
            "unset to get that one",
        )
    ]


def test_the_office_days_may_cross_utc_midnight() -> None:
    sydney = make_settings("dev", officeHoursTimezone="Australia/Sydney", officeHours="MON 07:00-19:00")
    assert sydney.db_maintenance_window == "mon:06:30-mon:07:00"
    (problem,) = validate_maintenance_window_in_office_hours(
        replace(sydney, db_maintenance_window="mon:10:00-mon:10:30")
    )
    assert "choose a window inside sun:21:00-mon:08:00 UTC" in problem.text


def test_when_the_backup_window_takes_every_place_the_message_says_so() -> None:
    settings = replace(BERLIN, office_hours="MON-FRI 07:00-09:00", office_hours_timezone="UTC",
                       db_backup_window="07:00-09:00", db_maintenance_window="sun:04:30-sun:05:30")  # fmt: skip
    (problem,) = validate_maintenance_window_in_office_hours(settings)
    assert problem.text.endswith(
        "choose a window inside mon:07:00-mon:09:00, tue:07:00-tue:09:00, wed:07:00-wed:09:00, "
        "thu:07:00-thu:09:00, fri:07:00-fri:09:00 UTC (the office days in both winter and summer time) and "
        "clear of dbBackupWindow"
    )


@pytest.mark.parametrize(
    "changes",
    [{"office_hours": ""}, {"office_hours_timezone": "Mars/Olympus"}, {"office_hours": "weekdays"},
     {"db_maintenance_window": "sunday"}],
)  # fmt: skip
def test_silent_when_always_on_or_when_another_validator_speaks(changes: dict[str, str]) -> None:
    settings = replace(BERLIN, **{"db_maintenance_window": "sun:04:30-sun:05:30", **changes})
    assert validate_maintenance_window_in_office_hours(settings) == []
