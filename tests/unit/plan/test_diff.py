"""The plan difference: on two real recorded plans, on small documents for each rule, and through
`superset-stack plan --diff`."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from superset_stack.cli import app
from superset_stack.plan import diff
from superset_stack.plan.offline import plan_stack_file
from tests.golden_plans import REQUIRED

runner = CliRunner()
# The branch under review, against the prod preset: web ceiling 10 -> 6 tasks, no WAF, alarm e-mail,
# a single-AZ database under a waiver.
CHANGE = {
    "warehouseDrivers": [],
    "webMaxTasks": 6,
    "wafEnabled": False,
    "alarmEmail": "oncall@example.com",
    "dbMultiAz": False,
    "waivers": ["dbMultiAz until 2099-01-01: single-AZ pilot"],
}
# The base branch subscribed its alarm topic by hand (prod requires alarmEmail or a waiver). Both
# bake no warehouse driver, so that no driver lacks its egress destination (an advisory verdict).
BASE = {"waivers": ["alarmEmail until 2099-01-01: the topic is subscribed by hand"], "warehouseDrivers": []}
WAIVED = {
    "policy": "aws-rds-instance-require-multi-az",
    "resource": "superset-db",
    "level": "advisory",
    "message": "Production RDS instances must be Multi-AZ. (waived until 2099-01-01: single-AZ pilot)",
}


def stack_file(folder: Path, extra: dict[str, Any]) -> Path:
    """A prod stack file with the golden plans' required values and `extra` (config keys)."""
    config = {"aws:region": "us-east-1"} | {f"superset-stack:{k}": v for k, v in (REQUIRED | extra).items()}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=True))
    return path


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return result


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The prod preset's plan and the changed branch's plan, each recorded for real, with their files."""
    folder = tmp_path_factory.mktemp("plans")
    base_file, head_file = stack_file(folder / "base", BASE), stack_file(folder / "head", CHANGE)
    base, head = as_json(plan_stack_file(base_file).document), as_json(plan_stack_file(head_file).document)
    (folder / "base.json").write_text(json.dumps(base))
    return {"base": base, "head": head, "base_json": folder / "base.json", "head_file": head_file}


def test_two_real_plans_differ_by_exactly_the_change(plans: dict[str, Any]) -> None:
    d = diff.diff(plans["base"], plans["head"])
    assert (d.stack, d.environment, d.region) == ("prod", "prod", "us-east-1")
    assert d.added == (("aws:sns/topicSubscription:TopicSubscription", "superset-ops-email"),)
    assert d.removed == (
        ("aws:wafv2/webAcl:WebAcl", "superset-waf"),
        ("aws:wafv2/webAclAssociation:WebAclAssociation", "superset-waf"),
    )
    assert d.changed == (
        diff.ChangedResource("aws:appautoscaling/target:Target", "superset-app-web", ("maxCapacity",)),
        diff.ChangedResource("aws:rds/instance:Instance", "superset-db", ("multiAz",)),
    )
    assert d.new_violations == (WAIVED,)
    assert (d.resolved_violations, d.mandatory, d.advisory) == ((), 0, 1)


def test_the_cost_difference_is_the_plans_totals_and_their_resources(plans: dict[str, Any]) -> None:
    base, head = plans["base"]["cost"], plans["head"]["cost"]
    d = diff.diff(plans["base"], plans["head"])
    assert d.monthly_min == (base["monthly_min"], head["monthly_min"])
    assert d.monthly_max == (base["monthly_max"], head["monthly_max"])
    assert [c.resource for c in d.cost_changes] == ["superset-db", "superset-waf"]
    assert round(sum(c.delta for c in d.cost_changes), 2) == round(
        head["monthly_min"] - base["monthly_min"], 2
    )
    waf = d.cost_changes[1]
    assert (waf.after, waf.delta) == (0.0, -waf.before)


def test_resource_order_does_not_matter(plans: dict[str, Any]) -> None:
    shuffled = json.loads(json.dumps(plans["head"]))
    random.Random(7).shuffle(shuffled["resources"])
    shuffled["cost"]["lines"].reverse()
    assert diff.diff(plans["base"], shuffled) == diff.diff(plans["base"], plans["head"])
    assert diff.diff(plans["head"], shuffled).unchanged


def test_text_lists_each_difference_on_its_own_line(plans: dict[str, Any]) -> None:
    d = diff.diff(plans["base"], plans["head"])
    lines = diff.text(d).splitlines()
    assert lines[:7] == [
        "stack prod (prod, us-east-1), difference from the base plan:",
        "resources: 1 added, 2 changed, 2 removed",
        "  + aws:sns/topicSubscription:TopicSubscription superset-ops-email",
        "  ~ aws:appautoscaling/target:Target superset-app-web: maxCapacity",
        "  ~ aws:rds/instance:Instance superset-db: multiAz",
        "  - aws:wafv2/webAcl:WebAcl superset-waf",
        "  - aws:wafv2/webAclAssociation:WebAclAssociation superset-waf",
    ]
    (min_before, min_after), (max_before, max_after) = d.monthly_min, d.monthly_max
    assert lines[7] == (
        f"monthly cost: USD {min_before:.2f} -> {min_after:.2f} ({min_after - min_before:+.2f}) at desired counts, "
        f"{max_before:.2f} -> {max_after:.2f} ({max_after - max_before:+.2f}) at autoscaling ceilings"
    )
    assert lines[-2:] == [
        "policies: 0 mandatory and 1 advisory violations; 1 new, 0 resolved",
        f"  new advisory aws-rds-instance-require-multi-az: superset-db: {WAIVED['message']}",
    ]


def test_markdown_is_a_comment_section_with_tables(plans: dict[str, Any]) -> None:
    text = diff.markdown(diff.diff(plans["base"], plans["head"]))
    assert text.startswith(
        "### Stack `prod` (prod, us-east-1)\n\n- Resources: **1 added, 2 changed, 2 removed**\n"
    )
    assert "| ~ | `aws:rds/instance:Instance` | `superset-db` | `multiAz` |" in text
    assert "| - | `aws:wafv2/webAcl:WebAcl` | `superset-waf` | |" in text
    assert f"| advisory | `aws-rds-instance-require-multi-az` | `superset-db` | {WAIVED['message']} |" in text
    assert "**Monthly cost by resource, where it changes (USD, desired counts)**" in text


def test_json_keeps_a_fixed_shape(plans: dict[str, Any]) -> None:
    document = diff.as_json(diff.diff(plans["base"], plans["head"]))
    assert list(document) == ["stack", "environment", "region", "resources", "cost", "policies"]
    assert document["resources"]["added"] == [
        {"type": "aws:sns/topicSubscription:TopicSubscription", "name": "superset-ops-email"}
    ]
    assert document["resources"]["changed"][1] == {
        "type": "aws:rds/instance:Instance", "name": "superset-db", "keys": ["multiAz"],
    }  # fmt: skip
    assert document["policies"] == {"mandatory": 0, "advisory": 1, "new": [WAIVED], "resolved": []}
    minimum = document["cost"]["monthly_min"]
    assert minimum["delta"] == round(minimum["plan"] - minimum["base"], 2)


def plan(resources: list[dict[str, Any]], violations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "stack": "dev", "environment": "dev", "region": "us-east-1",
        "resources": resources,
        "policies": {"violations": violations or []},
        "cost": {"currency": "USD", "monthly_min": 0.0, "monthly_max": 0.0, "lines": []},
    }  # fmt: skip


def resource(name: str, parent: str | None = None, **inputs: Any) -> dict[str, Any]:
    return {"type": "aws:s3/bucket:Bucket", "name": name, "parent": parent, "inputs": inputs}


def test_changed_keys_cover_added_removed_and_changed_inputs_and_the_parent() -> None:
    before = plan([resource("b", "old", kept=1, changed=1, removed=1)])
    after = plan([resource("b", "new", kept=1, changed=2, added=1)])
    (change,) = diff.diff(before, after).changed
    assert change.keys == ("added", "changed", "removed", diff.PARENT)


def test_same_name_in_another_type_is_another_resource() -> None:
    before = plan([resource("x")])
    after = plan([resource("x") | {"type": "aws:s3/bucketPolicy:BucketPolicy"}])
    d = diff.diff(before, after)
    assert (d.added, d.removed) == (
        (("aws:s3/bucketPolicy:BucketPolicy", "x"),), (("aws:s3/bucket:Bucket", "x"),),
    )  # fmt: skip


def test_a_violation_changing_level_is_new_and_resolved() -> None:
    advisory = {"policy": "p", "resource": "r", "level": "advisory", "message": "m"}
    mandatory = advisory | {"level": "mandatory"}
    d = diff.diff(plan([], [advisory]), plan([], [mandatory]))
    assert (d.new_violations, d.resolved_violations, d.mandatory) == ((mandatory,), (advisory,), 1)


def test_an_empty_base_counts_everything_as_added() -> None:
    violation = {"policy": "p", "resource": "b", "level": "mandatory", "message": "m"}
    d = diff.diff({}, plan([resource("b")], [violation]))
    assert (d.added, d.removed, d.changed, d.new_violations) == (
        (("aws:s3/bucket:Bucket", "b"),),
        (),
        (),
        (violation,),
    )
    assert diff.markdown(d).count("| + |") == 1


def test_identical_plans_say_so() -> None:
    same = plan([resource("b", x=1)])
    d = diff.diff(same, same)
    assert d.unchanged
    assert diff.markdown(d).endswith("No resource or policy changes.\n")
    assert "resources: 0 added, 0 changed, 0 removed" in diff.text(d)


def test_a_long_resource_list_folds_into_details() -> None:
    d = diff.diff({}, plan([resource(f"b{i:02}") for i in range(25)]))
    assert "<details><summary>Resources (25 added, 0 changed, 0 removed)</summary>" in diff.markdown(d)


def test_markdown_escapes_pipes_in_messages() -> None:
    violation = {"policy": "p", "resource": "r", "level": "advisory", "message": "a | b"}
    assert "| advisory | `p` | `r` | a \\| b |" in diff.markdown(diff.diff({}, plan([], [violation])))


def test_load_rejects_what_is_not_a_plan(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "list.json").write_text("[1]")
    (tmp_path / "empty.json").write_text("{}")
    with pytest.raises(ValueError, match=r"broken.json: not JSON \(Expecting property name"):
        diff.load(str(tmp_path / "broken.json"))
    with pytest.raises(
        ValueError,
        match=r"list.json: not a plan JSON document \(superset-stack plan --format json\) nor \{\}",
    ):
        diff.load(str(tmp_path / "list.json"))
    assert diff.load(str(tmp_path / "empty.json")) == {}


def test_cli_prints_the_difference_as_markdown_and_json(plans: dict[str, Any]) -> None:
    head, base = str(plans["head_file"]), str(plans["base_json"])
    common = ["plan", "--stack", "prod", "--config-file", head, "--diff", base]
    markdown = runner.invoke(app, [*common, "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout == diff.markdown(diff.diff(plans["base"], plans["head"]))
    as_json_output = runner.invoke(app, [*common, "--format", "json"])
    assert json.loads(as_json_output.stdout) == diff.as_json(diff.diff(plans["base"], plans["head"]))
    text = runner.invoke(app, common)
    assert text.stdout == diff.text(diff.diff(plans["base"], plans["head"]))


def test_cli_refuses_a_bad_base_before_planning(tmp_path: Path) -> None:
    (tmp_path / "base.json").write_text("[]")
    result = runner.invoke(app, ["plan", "--stack", "prod", "--diff", str(tmp_path / "base.json")])
    assert result.exit_code == 2
    assert f"--diff: {tmp_path / 'base.json'}: not a plan JSON document" in result.output
