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


def test_settings_as_json_with_steady_and_peak_connections() -> None:
    result = runner.invoke(app, ["settings", "--stack", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    assert values["environment"] == "prod"
    assert values["nat_gateways"] == "one_per_az"
    assert values["egress_destinations"] == []
    budget = values["connection_budget"]
    assert {key: budget[key] for key in ("instance_class", "max_connections", "usable", "alarm_threshold", "fits")} == {
        "instance_class": "db.m7g.large", "max_connections": 856, "usable": 851, "alarm_threshold": 680, "fits": True,
    }  # fmt: skip
    assert budget["steady"]["total"] == 424
    assert budget["peak"] == {
        "total": 846,
        "lines": [
            {"part": "web", "what": "web 20 tasks x 4 workers x pool 8+2", "connections": 800},
            {"part": "worker", "what": "worker 4 tasks x (4 children x pool 1+1 + main process + health check)",
             "connections": 40},
            {"part": "beat", "what": "beat 1", "connections": 1},
            {"part": "migration", "what": "migration task", "connections": 2},
            {"part": "operators", "what": "operators", "connections": 3},
        ],
    }  # fmt: skip


def test_settings_table_shows_steady_and_peak_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["settings", "--stack", "staging"])
    assert result.exit_code == 0, result.output
    assert (
        "Metadata database connections on db.t4g.small: 193 usable (198 max_connections - 5 reserved)"
        in result.output
    )
    rows = [" ".join(line.strip("│┃ ").split()) for line in result.output.splitlines()]
    assert "web │ 80 │ 160 │ web 8 tasks x 2 workers x pool 8+2" in rows
    assert "migration │ - │ 2 │ migration task" in rows
    assert "total │ 94 │ 186 │ of 193 usable" in rows


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


VALID = (
    "config:\n  aws:region: us-east-1\n  superset-stack:owner: data-platform\n  superset-stack:costCenter: analytics\n"
    "  superset-stack:domainName: superset.example.com\n  superset-stack:hostedZoneId: Z0123456789EXAMPLE\n"
)
BILLION_LAUGHS = "config:\n" + "".join(
    f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i else "lol"] * 9) + "]\n" for i in range(10)
)
BAD_FILES: dict[str, tuple[str | bytes | None, list[str]]] = {
    "aliases": (BILLION_LAUGHS, ["{where} uses a YAML alias (*a0, line 3); aliases are refused because a few of "
                                 "them can expand into gigabytes: write the value out"]),
    "a list": ("- config\n", ["{where} holds a list at the top; a stack file is a mapping with a config: section, "
                              "e.g. 'config: {{aws:region: us-east-1}}'"]),
    "a string": ("superset\n", ["{where} holds 'superset' at the top; a stack file is a mapping with a config: "
                                "section, e.g. 'config: {{aws:region: us-east-1}}'"]),
    "empty": ("", ["{where} is empty; a stack file is a mapping with a config: section, e.g. "
                   "'config: {{aws:region: us-east-1}}'"]),
    "not UTF-8": (b"config:\n  superset-stack:owner: \xff\n", ["{where} is not UTF-8 text: byte 0xff at offset 32"]),
    "too large": ("#" * 70_000, ["{where} is larger than 65,536 bytes (64 KiB), the most a stack file may have; "
                                 "real ones have a few KiB"]),
    "a directory": (None, ["{where} is a directory; give a stack file such as Pulumi.dev.yaml"]),
    "a huge integer": (VALID + "  superset-stack:webMaxTasks: " + "9" * 4000 + "\n",
                       ["webMaxTasks: expected an integer of at most 15 digits, got one of 4000 digits"]),
    "a boolean for an integer": (VALID + "  superset-stack:webMaxTasks: true\n",
                                 ["webMaxTasks: expected an integer, got true (a boolean)"]),
    "no namespace": (VALID + "  dbInstanceClass: db.t4g.small\n",
                     ["'dbInstanceClass': a config key needs a namespace, and Pulumi refuses one without; write "
                      "superset-stack:dbInstanceClass"]),
    "a list for text": (VALID.replace("owner: data-platform", "owner: [data, platform]"),
                        ["owner: expected text, got a list"]),
    "a tag value AWS refuses": (VALID.replace("costCenter: analytics", "costCenter: 'analytics #7'"),
                                ["costCenter: an AWS tag value holds only letters, digits, spaces and _ . : / = + - @; "
                                 "'#' in 'analytics #7' are not allowed (the CostCenter tag)"]),
    "an empty domain name": (VALID.replace("domainName: superset.example.com", 'domainName: ""'),
                             ["domainName: required; set it with `pulumi config set domainName <value>`"]),
}  # fmt: skip


@pytest.mark.parametrize("command", ["settings", "plan"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_bad_file_exits_2_with_its_exact_message(tmp_path: Path, command: str, case: str) -> None:
    content, expected = BAD_FILES[case]
    path = tmp_path / "Pulumi.dev.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(app, [command, "--stack", "dev", "--config-file", str(path)])
    assert result.exit_code == 2, result.output
    problems = [problem.format(where=f"stack file {str(path)!r}") for problem in expected]
    assert result.output.splitlines() == [
        f"Invalid settings ({len(problems)} problem(s)):",
        *(f"  - {p}" for p in problems),
    ]
    assert "Traceback" not in result.output


def test_plan_shows_tree_verdicts_and_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    result = runner.invoke(app, ["plan", "--stack", "dev"])
    assert result.exit_code == 0, result.output
    assert "superset-db aws:rds/instance:Instance" in result.output
    assert "aws-vpc-securitygroupegressrule-require-warehouse-destination" in result.output
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
    assert [(v["policy"], v["level"]) for v in document["policies"]["violations"]] == [
        ("aws-vpc-securitygroupegressrule-require-warehouse-destination", "advisory")
    ]
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
    assert "- Policies: 0 mandatory and 1 advisory violations." in report
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
    assert json.loads(result.output)["policies"]["violations"][0] == {
        "policy": "aws-rds-instance-require-multi-az", "resource": "superset-db", "level": "advisory",
        "message": "Production RDS instances must be Multi-AZ. (waived until 2099-01-01: single-AZ pilot)",
    }  # fmt: skip


def test_plan_exits_1_on_a_mandatory_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    # The settings and components leave no mandatory violation to find, so add a rule that always fails.
    from superset_stack.policies import rules
    from superset_stack.policies.engine import Rule

    always = Rule("aws-s3-bucket-test-always-fails", "aws:s3/bucket:Bucket", "test", ("test",),
                  lambda _props, _context: "Always fails.")  # fmt: skip
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, always])
    result = runner.invoke(app, ["plan", "--stack", "dev", "--format", "json"])
    assert result.exit_code == 1
    violations = json.loads(result.output)["policies"]["violations"]
    assert {v["policy"] for v in violations if v["level"] == "mandatory"} == {always.name}


def test_docs_check_passes_on_the_repository() -> None:
    result = runner.invoke(app, ["docs", "--check"])
    assert result.exit_code == 0, result.output
