"""The day-2 commands as a user runs them: exit codes, messages without tracebacks, the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from superset_stack.cli import app
from superset_stack.ops.session import Aws
from superset_stack.runtime.verify import MARKER
from tests.unit.ops.conftest import Deployed, Fargate

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
PASSED = {"check": MARKER, "ok": True, "revision": ["r1"], "head": ["r1"], "tables_read": 53, "encrypted_columns": 9,
          "counts": {"dashboards": 1, "charts": 2, "datasets": 3, "databases": 1, "users": 4}, "problems": []}  # fmt: skip


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def waits_on(monkeypatch: pytest.MonkeyPatch, fargate: Fargate) -> Fargate:
    """The commands' clock is `fargate`'s: waits take no real time."""
    monkeypatch.setattr("superset_stack.ops.waiting.Clock", lambda: fargate.clock)
    return fargate


def report(directory: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((directory / "report.json").read_text())
    return loaded


@pytest.mark.parametrize(
    ("command", "words"),
    [("dr-drill", "RPO"), ("snapshot", "--keep"), ("rotate-secret-key", "Resumable"), ("audit", "orphan")],
)
def test_every_command_explains_itself(command: str, words: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert words in result.output and "--stack" in result.output and "--report-dir" in result.output


def test_a_drill_writes_both_reports_and_exits_0(
    deployed: Deployed, waits_on: Fargate, tmp_path: Path
) -> None:
    waits_on.lines = [PASSED]
    result = runner.invoke(app, ["dr-drill", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = report(tmp_path)
    assert (written["command"], written["status"], written["problems"]) == ("dr-drill", "ok", [])
    facts = written["facts"]
    assert isinstance(facts, dict) and (facts["rpo_seconds"], facts["rto_seconds"]) == (21000, 30)
    markdown = (tmp_path / "report.md").read_text()
    assert markdown.startswith("# dr-drill on stack dev (us-east-1): ok\n")
    assert "| rpo_seconds | 21000 |" in markdown and "| rto_seconds | 30 |" in markdown


def test_a_failed_drill_exits_1_with_the_reason(
    deployed: Deployed, waits_on: Fargate, tmp_path: Path
) -> None:
    waits_on.lines, waits_on.exit_code = (
        [{**PASSED, "ok": False, "problems": ["table tag cannot be read"]}],
        1,
    )
    result = runner.invoke(app, ["dr-drill", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert report(tmp_path)["problems"] == [
        "verification failed (exit code 1): table tag cannot be read; the task's log is in /superset/dev/migration"
    ]


def test_a_snapshot_from_the_command_line(deployed: Deployed, waits_on: Fargate, tmp_path: Path) -> None:
    result = runner.invoke(app, ["snapshot", "--stack", "dev", "--keep", "3", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    facts = report(tmp_path)["facts"]
    assert isinstance(facts, dict)
    assert (facts["snapshot"], facts["pruned"]) == ("superset-dev-manual-20261130-090000", [])


def stack_file(directory: Path, **settings: object) -> Path:
    """The example dev stack file with `settings` added (config keys as written)."""
    path = directory / "Pulumi.dev.yaml"
    extra = "".join(f"  superset-stack:{key}: {value}\n" for key, value in settings.items())
    path.write_text((ROOT / "Pulumi.dev.yaml").read_text() + extra)
    return path


def test_the_snapshots_kept_default_to_the_stacks_setting(
    deployed: Deployed, waits_on: Fargate, tmp_path: Path
) -> None:
    config = stack_file(tmp_path, manualSnapshotsToKeep=1)
    reports = [tmp_path / "first", tmp_path / "second"]
    for directory in reports:
        result = runner.invoke(app, ["snapshot", "--stack", "dev", "--config-file", str(config),
                                     "--report-dir", str(directory)])  # fmt: skip
        assert result.exit_code == 0, result.output
        waits_on.sleep(60)  # the next one a minute later: another name
    first, second = (report(directory)["facts"] for directory in reports)
    assert isinstance(first, dict) and isinstance(second, dict)
    assert second["pruned"] == [first["snapshot"]]  # only the newest kept


def test_the_drill_restores_into_the_stacks_drill_class(
    deployed: Deployed, waits_on: Fargate, tmp_path: Path
) -> None:
    waits_on.lines = [PASSED]
    config = stack_file(tmp_path, drillInstanceClass="db.t4g.small")
    result = runner.invoke(app, ["dr-drill", "--stack", "dev", "--config-file", str(config),
                                 "--report-dir", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(db.t4g.small) from" in (tmp_path / "report.md").read_text()


def test_a_rotation_waiting_for_a_deploy_exits_3_and_says_what_to_run(
    deployed: Deployed, waits_on: Fargate, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["rotate-secret-key", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 3, result.output
    written = report(tmp_path)
    assert written["status"] == "waiting"
    assert "pulumi config set previousSecretKeySecretArn" in result.output


def test_an_audit_with_orphans_exits_1_and_lists_them(aws: Aws, deployed: Deployed, tmp_path: Path) -> None:
    aws.client("logs").create_log_group(
        logGroupName="/superset/dev/old-exports", tags=dict(deployed.names.tags)
    )
    result = runner.invoke(app, ["audit", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 1
    markdown = (tmp_path / "report.md").read_text()
    assert (
        "## Orphans: tagged as this stack, not in the plan\n\n- `arn:aws:logs:us-east-1:123456789012:log-group:/superset/dev/old-exports`\n"
        in markdown
    )


def test_missing_credentials_are_a_sentence_not_a_traceback(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = runner.invoke(app, ["snapshot", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert report(tmp_path)["problems"] == [
        "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or sign in "
        "with `aws sso login`"
    ]


def test_a_stack_that_is_not_there_is_named(aws: Aws, tmp_path: Path) -> None:
    result = runner.invoke(app, ["snapshot", "--stack", "dev", "--report-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert report(tmp_path)["problems"] == [
        "the stack's database superset-dev-metadata does not exist in this region: is the stack deployed, and is "
        "the region right (--region)?"
    ]


def test_an_invalid_stack_file_exits_2_before_touching_aws(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  superset-stack:owner: o\n")
    result = runner.invoke(app, ["audit", "--stack", "dev", "--config-file", str(path)])
    assert result.exit_code == 2
    assert "Invalid settings" in result.output
