"""One rule for a test whose tool is not on this machine: skip locally, fail in CI.

.ci/run installs every tool the suite needs and exports CI=1, so a missing tool there is a broken
set-up and must not pass silently as a skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    """Skip for a missing tool (`message` says what and how to install it); in CI fail instead."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
