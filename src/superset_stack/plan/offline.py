"""Run the Pulumi program offline for one stack file and return what it would create."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pulumi

from superset_stack.plan.recording import RecordingMocks, install, run
from superset_stack.settings import PROJECT, Settings, read_stack_file, stack_name_from_path


def stack_config(path: Path) -> dict[str, str]:
    """A stack file's config as the Pulumi engine hands it to a program (strings, JSON for lists)."""
    values, region = read_stack_file(path)
    config = {
        f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in values.items()
    }
    if region is not None:
        config["aws:region"] = region
    return config


def record_stack_file(
    path: Path, *, stack: str | None = None, today: date | None = None
) -> tuple[Settings, RecordingMocks]:
    """Validate the stack file, then run the program under recording mocks.

    Raises SettingsError before anything runs when the configuration is invalid.
    """
    name = stack or stack_name_from_path(path)
    settings = Settings.from_stack_file(path, stack=name, today=today)  # fail fast, with every problem
    mocks = RecordingMocks(region=settings.region)
    install(mocks, project=PROJECT, stack=name)
    pulumi.runtime.set_all_config(stack_config(path))
    from superset_stack.program import main

    run(main, mocks)
    return settings, mocks
