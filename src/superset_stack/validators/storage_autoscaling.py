"""Storage autoscaling: the ceiling RDS grows the database's gp3 storage up to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings

GP3_MAX_STORAGE_GIB = 65536  # RDS PostgreSQL on gp3


def validate_storage_autoscaling(s: Settings) -> list[Problem]:
    """A ceiling RDS accepts: at least 10% above the allocated storage ("The maximum allocated
    storage must be increased by at least 10 percent") and within gp3's 65536 GiB. A ceiling below
    the allocated storage is validate_instance's to report."""
    ceiling, allocated = s.db_max_allocated_storage_gib, s.db_allocated_storage_gib
    if not ceiling:
        return []
    if ceiling > GP3_MAX_STORAGE_GIB:
        return [
            Problem(
                "dbMaxAllocatedStorageGib",
                f"must be at most {GP3_MAX_STORAGE_GIB} GiB (gp3's limit for PostgreSQL), got {ceiling}",
            )
        ]
    smallest = -(-allocated * 11 // 10)  # 110%, rounded up
    if allocated <= ceiling < smallest:
        return [
            Problem(
                "dbMaxAllocatedStorageGib",
                f"RDS needs the ceiling at least 10% above dbAllocatedStorageGib {allocated}: "
                f"{smallest} or more, or 0 to turn autoscaling off; got {ceiling}",
            )
        ]
    return []
