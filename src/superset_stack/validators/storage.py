"""Storage: how long the S3 bucket keeps async query results and overwritten object versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_expiration(s: Settings) -> list[Problem]:
    """Both lifecycle expirations are 1-3650 days."""
    return [
        Problem(key, f"must be 1-3650 days, got {days}")
        for key, days in (
            ("resultsExpirationDays", s.results_expiration_days),
            ("noncurrentVersionExpirationDays", s.noncurrent_version_expiration_days),
        )
        if not 1 <= days <= 3650
    ]
