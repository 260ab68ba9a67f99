"""Storage autoscaling: a ceiling RDS accepts, within gp3's limit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.storage_autoscaling import validate_storage_autoscaling
from tests.conftest import make_settings

DEV = make_settings("dev")  # 20 GiB, autoscaling up to 50


@pytest.mark.parametrize(
    ("allocated", "ceiling"),
    [(20, 50), (20, 22), (100, 110), (100, 0), (400, 65536), (20, 10)],  # (20, 10): validate_instance's
)
def test_ceilings_rds_accepts_or_another_validator_reports(allocated: int, ceiling: int) -> None:
    settings = replace(DEV, db_allocated_storage_gib=allocated, db_max_allocated_storage_gib=ceiling)
    assert validate_storage_autoscaling(settings) == []


@pytest.mark.parametrize(
    ("allocated", "ceiling", "text"),
    [
        (20, 20, "RDS needs the ceiling at least 10% above dbAllocatedStorageGib 20: 22 or more, or 0 to "
                  "turn autoscaling off; got 20"),
        (101, 111, "RDS needs the ceiling at least 10% above dbAllocatedStorageGib 101: 112 or more, or 0 to "
                   "turn autoscaling off; got 111"),
        (100, 70000, "must be at most 65536 GiB (gp3's limit for PostgreSQL), got 70000"),
    ],
)  # fmt: skip
def test_ceilings_rds_refuses(allocated: int, ceiling: int, text: str) -> None:
    settings = replace(DEV, db_allocated_storage_gib=allocated, db_max_allocated_storage_gib=ceiling)
    assert validate_storage_autoscaling(settings) == [Problem("dbMaxAllocatedStorageGib", text)]
