"""Shared fixtures: recording mocks installed per test, and settings built from presets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from superset_stack.plan.recording import RecordingMocks, install, run
from superset_stack.settings import Settings

TODAY = date(2026, 11, 29)
REGION = "us-east-1"


@pytest.fixture
def mocks() -> RecordingMocks:
    """Fresh recording mocks for one test (installing them at import breaks across files)."""
    recording = RecordingMocks(region=REGION)
    install(recording, project="superset-stack", stack="test")
    return recording


@pytest.fixture
def build(mocks: RecordingMocks) -> Callable[[Callable[[], Any]], RecordingMocks]:
    """Run a Pulumi program function to completion under the test's mocks."""

    def _build(program: Callable[[], Any]) -> RecordingMocks:
        run(program, mocks)
        return mocks

    return _build


def make_settings(preset: str = "dev", /, *, stack: str | None = None, **values: Any) -> Settings:
    """Settings for the stack named after `preset`, with the required tags and any overrides
    (config keys as written in a stack file); prod also gets the alarm address it requires."""
    config: dict[str, Any] = {
        "owner": "data-platform",
        "costCenter": "analytics",
        "domainName": "superset.example.com",
        "hostedZoneId": "Z0123456789EXAMPLE",
        **({"alarmEmail": "oncall@example.com"} if preset == "prod" else {}),
        **values,
    }
    return Settings.from_values(config, stack=stack or preset, region=REGION, today=TODAY)
