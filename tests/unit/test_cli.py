"""The command line, run the way a user runs it, on the repository's stack files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from superset_stack.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_settings_as_json() -> None:
    result = runner.invoke(app, ["settings", "--stack", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    assert values["environment"] == "prod"
    assert values["nat_gateways"] == "one_per_az"
    assert values["connection_budget"]["total"] <= values["connection_budget"]["limit"]


def test_settings_table_shows_the_budget() -> None:
    result = runner.invoke(app, ["settings", "--stack", "dev"])
    assert result.exit_code == 0, result.output
    assert "Connection budget: peak metadata connections" in result.output


def test_invalid_config_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  superset-stack:owner: o\n  superset-stack:costCenter: c\n"
        "  superset-stack:domainName: superset.example.com\n  superset-stack:hostedZoneId: Z0123456789EXAMPLE\n"
                    "  superset-stack:dbMultiAz: false\n  superset-stack:vpcCidr: 10.0.0.0/8\n")  # fmt: skip
    result = runner.invoke(app, ["settings", "--stack", "prod", "--config-file", str(path)])
    assert result.exit_code == 2
    assert "Invalid settings (2 problem(s)):" in result.output
    assert "  - vpcCidr: prefix must be /16 to /24, got 10.0.0.0/8" in result.output
    assert "  - dbMultiAz: prod requires dbMultiAz true" in result.output


def test_plan_shows_tree_verdicts_and_cost() -> None:
    result = runner.invoke(app, ["plan", "--stack", "dev"])
    assert result.exit_code == 0, result.output
    assert "superset-db aws:rds/instance:Instance" in result.output
    assert "Policies: no violations." in result.output
    assert "Monthly cost, USD, us-east-1" in result.output
    assert "nothing was created" in result.output


def test_plan_json_follows_the_contract_and_masks_secrets() -> None:
    result = runner.invoke(app, ["plan", "--stack", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document) == ["stack", "environment", "region", "resources", "policies", "cost"]
    assert (document["stack"], document["environment"], document["region"]) == ("prod", "prod", "us-east-1")
    assert all(set(r) == {"type", "name", "parent", "inputs"} for r in document["resources"])
    assert not any(r["type"].startswith("pulumi:providers:") for r in document["resources"])
    (group,) = [r for r in document["resources"] if r["type"].startswith("aws:elasticache/replicationGroup")]
    assert group["inputs"]["authToken"] == "[secret]"
    assert group["parent"] == "superset-cache"
    assert document["policies"] == {"violations": []}
    cost = document["cost"]
    assert cost["currency"] == "USD" and 0 < cost["monthly_min"] <= cost["monthly_max"]
    assert all(set(line) == {"resource", "item", "monthly"} for line in cost["lines"])
    assert round(sum(line["monthly"] for line in cost["lines"]), 2) == cost["monthly_min"]


def test_plan_writes_json_and_markdown(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "--stack", "prod", "--format", "json", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert written == json.loads(result.stdout)
    report = (tmp_path / "out" / "plan.md").read_text()
    assert report.startswith("# Plan of stack prod (prod, us-east-1)")
    assert "- Policies: 0 mandatory and 0 advisory violations." in report
    assert (
        f"| **total** | | **{written['cost']['monthly_min']:.2f}** | **{written['cost']['monthly_max']:.2f}** |"
        in report
    )
    assert "| `aws:rds/instance:Instance` | 1 |" in report
    assert "![Architecture of stack prod](architecture.svg)" in report
    assert (tmp_path / "out" / "architecture.svg").read_text().startswith("<svg ")


def test_a_waiver_turns_its_violation_into_an_advisory_note(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  superset-stack:owner: o\n  superset-stack:costCenter: c\n"
                    "  superset-stack:domainName: superset.example.com\n  superset-stack:hostedZoneId: Z0123456789EXAMPLE\n"
                    "  superset-stack:dbMultiAz: false\n"
                    "  superset-stack:waivers: ['dbMultiAz until 2099-01-01: single-AZ pilot']\n")  # fmt: skip
    result = runner.invoke(app, ["plan", "--stack", "prod", "--config-file", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["policies"]["violations"] == [{
        "policy": "aws-rds-instance-require-multi-az", "resource": "superset-db", "level": "advisory",
        "message": "Production RDS instances must be Multi-AZ. (waived until 2099-01-01: single-AZ pilot)",
    }]  # fmt: skip


def test_plan_exits_1_on_a_mandatory_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    # The settings and components leave no mandatory violation to find, so add a rule that always fails.
    from superset_stack.policies import rules
    from superset_stack.policies.engine import Rule

    always = Rule("aws-s3-bucket-test-always-fails", "aws:s3/bucket:Bucket", "test", ("test",),
                  lambda _props, _context: "Always fails.")  # fmt: skip
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, always])
    result = runner.invoke(app, ["plan", "--stack", "dev", "--format", "json"])
    assert result.exit_code == 1
    assert {v["policy"] for v in json.loads(result.output)["policies"]["violations"]} == {always.name}


def test_docs_check_passes_on_the_repository() -> None:
    result = runner.invoke(app, ["docs", "--check"])
    assert result.exit_code == 0, result.output
