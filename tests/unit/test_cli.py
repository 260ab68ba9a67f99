"""The command line, run the way a user runs it, on the repository's stack files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from superset_stack.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
PROD_STACK = (
    "config:\n  aws:region: us-east-1\n  superset-stack:owner: o\n  superset-stack:costCenter: c\n"
    "  superset-stack:domainName: superset.example.com\n  superset-stack:hostedZoneId: Z0123456789EXAMPLE\n"
    "  superset-stack:alarmEmail: oncall@example.com\n"
)


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_settings_as_json_with_steady_and_peak_connections() -> None:
    result = runner.invoke(app, ["settings", "--stack", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    assert values["environment"] == "prod"
    assert values["nat_gateways"] == "one_per_az"
    # the example's only way out beyond the stack's own: SES's SMTP endpoint for report e-mail
    assert values["egress_destinations"] == [{
        "description": "Amazon SES SMTP interface endpoint (email-smtp)", "port": 587, "from_port": None,
        "to_port": None, "cidr": None, "prefix_list_id": None, "security_group_id": "sg-0123456789abcdef0",
    }]  # fmt: skip
    assert (values["smtp_host"], values["smtp_security"]) == (
        "email-smtp.us-east-1.amazonaws.com",
        "starttls",
    )
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
    path.write_text(PROD_STACK + "  superset-stack:dbMultiAz: false\n  superset-stack:vpcCidr: 10.0.0.0/8\n")
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
    assert "nothing created (offline)" in result.output


def test_plan_json_follows_the_contract_and_masks_secrets() -> None:
    result = runner.invoke(app, ["plan", "--stack", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    # the contract's keys, then one more (ARCHITECTURE.md allows it): the declared warehouse connections
    assert list(document) == ["stack", "environment", "region", "resources", "policies", "cost",
                              "warehouse_connections"]  # fmt: skip
    assert document["warehouse_connections"] == []
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
    # the contract's three keys; a line with a sourced 1-year commitment adds its figure beside on demand
    plain, committed = (
        {"resource", "item", "monthly"},
        {"resource", "item", "monthly", "committed", "commitment"},
    )
    assert all(set(line) in (plain, committed) for line in cost["lines"])
    assert sorted(
        (line["resource"], line["commitment"]) for line in cost["lines"] if "committed" in line
    ) == [
        ("superset-cache", "ElastiCache reserved nodes"),
        ("superset-db", "RDS reserved instance"),
    ]
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
    path.write_text(PROD_STACK + "  superset-stack:dbMultiAz: false\n"
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


# --- regions without prices, exit codes, the README sample, output width --------------------------


def stack_in(tmp_path: Path, region: str, environment: str = "dev") -> Path:
    import yaml

    document = yaml.safe_load((ROOT / f"Pulumi.{environment}.yaml").read_text())
    document["config"]["aws:region"] = region
    path = tmp_path / f"Pulumi.{environment}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_region_without_prices_still_plans_and_says_why_the_cost_is_missing(tmp_path: Path) -> None:
    path = stack_in(tmp_path, "eu-north-1")
    result = runner.invoke(app, ["plan", "--stack", "dev", "--config-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "superset-network-public-eu-north-1a aws:ec2/subnet:Subnet" in result.output  # the resources
    # the verdicts: the dev stack's only one, the ClickHouse driver without an egress destination
    assert "aws-vpc-securitygroupegressrule-require-warehouse-destination" in result.output
    # every billable line is listed, without a figure
    assert re.search(r"│ superset-db +│ RDS db\.t4g\.micro, 63\.75 h a week +│ - +│ - +│", result.output)
    assert "Unpriced (-), so the totals are lower bounds:" in result.output
    reason = "no price data for region eu-north-1 (priced: us-east-1, ap-southeast-2, eu-west-1, eu-central-1, us-west-2, ap-southeast-1)"
    assert f"  - {reason}: " in result.output
    assert "monthly cost: not priced, " in result.output
    document = json.loads(
        runner.invoke(app, ["plan", "--stack", "dev", "--config-file", str(path), "--format", "json"]).output
    )
    assert document["cost"]["monthly_min"] == 0
    assert {line["monthly"] for line in document["cost"]["lines"]} == {None}
    assert {line["unpriced"] for line in document["cost"]["lines"]} == {reason}


def test_a_partly_priced_region_totals_the_priced_lines_as_a_lower_bound(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["plan", "--stack", "dev", "--config-file", str(stack_in(tmp_path, "eu-west-1")), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    lines = json.loads(result.output)["cost"]["lines"]
    (alb,) = [line for line in lines if line["item"] == "ALB hours"]
    assert alb == {"resource": "superset-alb", "item": "ALB hours", "monthly": 18.4}  # 0.0252 x 730
    (database,) = [line for line in lines if line["item"].startswith("RDS db.t4g.micro")]
    assert database["monthly"] is None
    assert database["unpriced"] == "no published eu-west-1 price for rds.db.t4g.micro (plan/prices.py)"
    text = runner.invoke(
        app, ["plan", "--stack", "dev", "--config-file", str(stack_in(tmp_path, "eu-west-1"))]
    ).output
    assert "monthly cost: at least USD " in text and " of 41 lines unpriced (see above)" in text


def test_exit_codes_tell_violations_from_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(PROD_STACK + "  superset-stack:vpcCidr: 10.0.0.0/8\n")
    result = runner.invoke(app, ["plan", "--stack", "prod", "--config-file", str(path)])
    assert result.exit_code == 2  # bad input; 1 is kept for a mandatory violation
    assert "  - vpcCidr: prefix must be /16 to /24, got 10.0.0.0/8" in result.output


def test_the_readme_sample_is_the_end_of_the_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("<!-- BEGIN PLAN") : readme.index("<!-- END PLAN -->")]
    sample = section.split("```")[1].strip("\n").splitlines()
    command = sample[0].split("#")[0].split()
    assert command[:6] == ["$", "superset-stack", "plan", "--stack", "prod", "--out"]
    monkeypatch.chdir(tmp_path)  # the sample writes into plan-prod/
    result = runner.invoke(app, [*command[2:], "--config-file", str(ROOT / "Pulumi.prod.yaml")])
    assert result.exit_code == 0, result.output
    printed = sample[2:]  # after the command and its comment
    assert result.output.splitlines()[-len(printed) :] == printed
    assert (tmp_path / "plan-prod" / "plan.md").exists()


def test_settings_say_who_the_alarms_reach(tmp_path: Path) -> None:
    result = runner.invoke(app, ["settings", "--stack", "prod"])
    assert (
        "Alarms: e-mailed to superset-oncall@example.com (confirm the subscription mail AWS sends)"
        in result.output
    )
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(PROD_STACK.replace("  superset-stack:alarmEmail: oncall@example.com\n", ""))
    refused = runner.invoke(app, ["settings", "--stack", "prod", "--config-file", str(path)])
    assert refused.exit_code == 2
    assert ("  - alarmEmail: prod requires alarmEmail (without it the alarm topic reaches nobody); to accept the "
            "risk add a waiver 'alarmEmail until YYYY-MM-DD: <reason>' to waivers") in refused.output  # fmt: skip
    path.write_text(
        path.read_text() + "  superset-stack:waivers: ['alarmEmail until 2099-01-01: PagerDuty subscribes']\n"
    )
    waived = runner.invoke(app, ["settings", "--stack", "prod", "--config-file", str(path)])
    assert waived.exit_code == 0, waived.output
    assert ("Alarms: nobody is e-mailed; prod requires alarmEmail, waived until 2099-01-01: PagerDuty subscribes"
            in waived.output)  # fmt: skip
    dev = runner.invoke(app, ["settings", "--stack", "dev"])
    assert ("Alarms: nobody is e-mailed (alarmEmail is empty): subscribe to the alarm topic yourself; prod "
            "requires alarmEmail") in dev.output  # fmt: skip


def test_output_to_a_pipe_is_not_wrapped_at_80_columns() -> None:
    settings = runner.invoke(app, ["settings", "--stack", "prod"]).output
    (alarms,) = [line for line in settings.splitlines() if line.startswith("Alarms:")]
    assert alarms.endswith("(confirm the subscription mail AWS sends)") and len(alarms) > 80
    plan = runner.invoke(app, ["plan", "--stack", "prod"]).output
    assert "superset-network-public-us-east-1a aws:ec2/routeTableAssociation:RouteTableAssociation\n" in plan


def test_a_long_resource_name_stays_on_one_line() -> None:
    import io

    from rich.tree import Tree

    from superset_stack.cli import _Output

    name = "superset-" + "very-long-component-" * 20 + "subnet"
    piped = _Output(file=io.StringIO())  # not a terminal
    tree = Tree("stack")
    tree.add(f"{name} [dim]aws:ec2/subnet:Subnet[/]")
    piped.print(tree)
    assert piped.file.getvalue() == f"stack\n└── {name} aws:ec2/subnet:Subnet\n"
    terminal = _Output(file=io.StringIO(), force_terminal=True, width=80)
    terminal.print(tree)
    assert len(terminal.file.getvalue().splitlines()) > 2  # a terminal still wraps at its width


# The same command twice, in two processes: Python's string hashing differs between them (set and
# dict orders of strings), and the engine's threads register resources in another order each time.
SAME_BYTES_DRIVER = """
import sys
from pathlib import Path
from typer.testing import CliRunner
from superset_stack.cli import app

folder = Path(sys.argv[1])
runner = CliRunner()
text = runner.invoke(app, ["plan", "--stack", "prod", "--out", str(folder / "out")])
as_json = runner.invoke(app, ["plan", "--stack", "prod", "--format", "json"])
assert text.exit_code == as_json.exit_code == 0, (text.output, as_json.output)
(folder / "stdout.txt").write_text(text.stdout)
(folder / "stdout.json").write_text(as_json.stdout)
"""


def test_the_same_stack_file_gives_the_same_bytes_in_two_processes(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    for seed in ("1", "2"):
        (tmp_path / seed).mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")}
        subprocess.run([sys.executable, "-c", SAME_BYTES_DRIVER, str(tmp_path / seed)],
                       cwd=ROOT, env=env, check=True, timeout=300)  # fmt: skip
    outputs = ("stdout.txt", "stdout.json", "out/plan.json", "out/plan.md", "out/architecture.svg")
    for name in outputs:
        first, second = (tmp_path / "1" / name).read_bytes(), (tmp_path / "2" / name).read_bytes()
        assert first == second, name
    assert str(ROOT).encode() not in (tmp_path / "1" / "out" / "plan.json").read_bytes()  # nor the checkout
    assert json.loads((tmp_path / "1" / "stdout.json").read_text()) == json.loads(
        (tmp_path / "1" / "out" / "plan.json").read_text()
    )


def test_plan_lists_the_warehouse_connections_with_their_egress_and_secret_arns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from tests.unit.test_warehouses import EVERY_ENGINE

    document = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())
    document["config"]["superset-stack:warehouseConnections"] = EVERY_ENGINE[1:2]
    path = tmp_path / "Pulumi.staging.yaml"
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("COLUMNS", "400")
    result = runner.invoke(app, ["plan", "--stack", "staging", "--config-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "Warehouse connections (created or updated by the migration task)" in result.output
    row = re.search(r"│ Sales +│ redshift +│ analytics\.abc123\.us-east-1\.redshift\.amazonaws\.com:5439 +│ "
                    r"exposeInSqlLab, allowRunAsync, cache 600 s +│ verify-full \(verified: certificate and host name\) +│ "
                    r"egress rule: TCP 5439 to cidr 10\.20\.0\.0/16 +│ "
                    r"arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf +│", result.output)  # fmt: skip
    assert row, result.output  # the ARN as written: ":secret:" is no emoji code
    assert "superset-sg-destination-10-20-0-0-16-5439 aws:vpc/securityGroupEgressRule" in result.output


def test_settings_show_the_users_text_as_typed(tmp_path: Path) -> None:
    # rich would read ":secret:" in an ARN as an emoji code and "[prod]" as markup
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/ses-smtp-AbCdEf"
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(
        PROD_STACK
        + "  superset-stack:smtpHost: email-smtp.us-east-1.amazonaws.com\n  superset-stack:smtpUser: AKIAEXAMPLE\n"
        + "  superset-stack:smtpMailFrom: superset@example.com\n"
        + f"  superset-stack:smtpPasswordSecretArn: {arn}\n"
        + "  superset-stack:egressDestinations:\n"
        + "    - {description: 'SES relay [prod] :secret:', port: 587, securityGroupId: sg-0123456789abcdef0}\n"
    )
    result = runner.invoke(app, ["settings", "--stack", "prod", "--config-file", str(path)])
    assert result.exit_code == 0, result.output
    assert arn in result.output
    assert "SES relay [prod] :secret:" in result.output
