"""Reports: the steps timed, failures recorded, Markdown and JSON written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from superset_stack.ops.report import Report, default_directory
from superset_stack.ops.waiting import Clock

STARTED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_steps_facts_and_problems_in_both_forms(tmp_path: Path) -> None:
    ticks = iter([0.0, 12.5, 12.5, 14.0])
    report = Report("snapshot", "dev", "us-east-1", started=STARTED,
                    clock=Clock(now=lambda: STARTED, monotonic=lambda: next(ticks)))  # fmt: skip
    with report.step("take a manual snapshot") as step:
        step.detail = "superset-dev-manual-20261130-090000"
    with pytest.raises(RuntimeError), report.step("prune | old"):
        raise RuntimeError("DeleteDBSnapshot failed")
    report.facts["pruned"] = []
    report.sections["Orphans"] = ["`arn:x`"]
    report.finish("failed", "DeleteDBSnapshot failed")
    json_path, markdown_path = report.write(tmp_path / "out")
    assert json.loads(json_path.read_text()) == {
        "command": "snapshot", "stack": "dev", "region": "us-east-1", "status": "failed",
        "started": "2026-11-30T09:00:00+00:00", "finished": "2026-11-30T09:00:00+00:00",
        "steps": [{"name": "take a manual snapshot", "ok": True, "seconds": 12.5,
                   "detail": "superset-dev-manual-20261130-090000"},
                  {"name": "prune | old", "ok": False, "seconds": 1.5, "detail": "DeleteDBSnapshot failed"}],
        "facts": {"pruned": []}, "problems": ["DeleteDBSnapshot failed"], "next_actions": [],
    }  # fmt: skip
    assert markdown_path.read_text() == (
        "# snapshot on stack dev (us-east-1): failed\n\nStarted 2026-11-30 09:00:00 UTC, finished 09:00:00 UTC.\n\n"
        "| step | result | seconds | detail |\n|---|---|---:|---|\n"
        "| take a manual snapshot | ok | 12.5 | superset-dev-manual-20261130-090000 |\n"
        "| prune \\| old | FAILED | 1.5 | DeleteDBSnapshot failed |\n\n"
        "| figure | value |\n|---|---|\n| pruned | [] |\n\n"
        "## Problems\n\n- DeleteDBSnapshot failed\n\n## Orphans\n\n- `arn:x`\n"
    )


def test_the_default_folder_names_command_stack_and_time() -> None:
    assert default_directory("dr-drill", "prod", STARTED) == Path("reports/dr-drill-prod-20261130T090000Z")
