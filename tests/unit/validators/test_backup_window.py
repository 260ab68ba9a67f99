"""Backup window: inside the office day in every season, or refused with where it must go."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superset_stack.settings import SettingsError
from superset_stack.validators import Problem
from superset_stack.validators.backup_window import validate_backup_window_in_office_hours
from tests.conftest import make_settings

BERLIN = make_settings("dev", officeHoursTimezone="Europe/Berlin")  # MON-FRI 07:00-19:00


@pytest.mark.parametrize(
    ("preset", "values", "window"),
    [
        ("dev", {}, "09:00-09:30"),  # office hours in UTC
        ("dev", {"officeHoursTimezone": "Europe/Berlin"}, "08:00-08:30"),
        ("dev", {"officeHours": ""}, "03:00-04:00"),  # always on: at night
        ("prod", {}, "03:00-04:00"),
        ("dev", {"dbBackupWindow": "10:00-10:30"}, "10:00-10:30"),  # given: kept
    ],
)
def test_a_window_left_unset_is_derived_inside_the_office_day(
    preset: str, values: dict[str, str], window: str
) -> None:
    settings = make_settings(preset, **values)
    assert settings.db_backup_window == window
    assert validate_backup_window_in_office_hours(settings) == []


@pytest.mark.parametrize("window", ["06:00-07:00", "16:30-17:00", "08:00-16:00"])
def test_a_window_inside_the_office_day_in_winter_and_summer_time(window: str) -> None:
    assert validate_backup_window_in_office_hours(replace(BERLIN, db_backup_window=window)) == []


@pytest.mark.parametrize("window", ["03:00-04:00", "05:30-06:30", "16:45-17:15"])
def test_a_window_outside_it_in_either_season_is_refused(window: str) -> None:
    # 05:30 UTC is 07:30 in summer time but 06:30 in winter time; 17:00 is 19:00 in summer time
    assert validate_backup_window_in_office_hours(replace(BERLIN, db_backup_window=window)) == [
        Problem(
            "dbBackupWindow",
            f"{window} UTC is outside officeHours MON-FRI 07:00-19:00 (Europe/Berlin), and RDS takes no "
            "automated backup while office hours keep the database stopped; choose a window inside 06:00-17:00 "
            "UTC (the office day in both winter and summer time), e.g. 08:00-08:30, or leave dbBackupWindow "
            "unset to get that one",
        )
    ]


def test_the_office_day_may_cross_utc_midnight() -> None:
    sydney = make_settings("dev", officeHoursTimezone="Australia/Sydney")
    assert sydney.db_backup_window == "23:00-23:30"
    (problem,) = validate_backup_window_in_office_hours(replace(sydney, db_backup_window="10:00-10:30"))
    assert "choose a window inside 21:00-08:00 UTC" in problem.text


def test_office_hours_too_short_for_both_seasons_are_refused_when_loading() -> None:
    with pytest.raises(SettingsError) as caught:
        make_settings("dev", officeHours="MON-FRI 07:00-08:00", officeHoursTimezone="Europe/Berlin")
    assert caught.value.problems == (
        "dbBackupWindow: 03:00-04:00 UTC is outside officeHours MON-FRI 07:00-08:00 (Europe/Berlin), and RDS "
        "takes no automated backup while office hours keep the database stopped; no 30 minutes of the UTC day "
        "lie inside them in both winter and summer time: lengthen officeHours",
        "dbMaintenanceWindow: sun:04:30-sun:05:30 UTC is outside officeHours MON-FRI 07:00-08:00 (Europe/Berlin), "
        "and RDS does no maintenance (patches, minor version upgrades, the changes a deploy leaves for the "
        "window) while office hours keep the database stopped; no 30 minutes of an office day lie inside them "
        "in both winter and summer time: lengthen officeHours",
    )


def test_when_maintenance_takes_every_place_the_message_says_so() -> None:
    settings = replace(BERLIN, office_hours="MON-FRI 07:00-09:00", office_hours_timezone="UTC",
                       db_maintenance_window="sun:07:00-sun:09:00", db_backup_window="03:00-04:00")  # fmt: skip
    (problem,) = validate_backup_window_in_office_hours(settings)
    assert problem.text.endswith(
        "choose a window inside 07:00-09:00 UTC (the office day in both winter and summer time) and clear of "
        "dbMaintenanceWindow"
    )


@pytest.mark.parametrize(
    "changes",
    [{"office_hours": "weekdays"}, {"office_hours_timezone": "Mars/Olympus"}, {"db_backup_window": "3am"}],
)
def test_silent_while_the_hours_zone_or_window_are_invalid_themselves(changes: dict[str, str]) -> None:
    settings = replace(BERLIN, **{"db_backup_window": "03:00-04:00", **changes})
    assert validate_backup_window_in_office_hours(settings) == []
