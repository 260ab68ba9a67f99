"""Storage: how long results and overwritten object versions stay in the bucket."""

from __future__ import annotations

from dataclasses import replace

from superset_stack.validators import Problem
from superset_stack.validators.storage import validate_expiration
from tests.conftest import make_settings

DEV = make_settings("dev")


def test_expirations_are_1_to_3650_days() -> None:
    assert validate_expiration(replace(DEV, results_expiration_days=0)) == [
        Problem("resultsExpirationDays", "must be 1-3650 days, got 0")
    ]
    assert validate_expiration(replace(DEV, noncurrent_version_expiration_days=5000)) == [
        Problem("noncurrentVersionExpirationDays", "must be 1-3650 days, got 5000")
    ]
    assert (
        validate_expiration(replace(DEV, results_expiration_days=1, noncurrent_version_expiration_days=3650))
        == []
    )
