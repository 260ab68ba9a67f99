"""The CrossGuard pack runs the same rules, with the same names, messages and levels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from superset_stack.policies.crossguard import context_of, policies
from superset_stack.policies.rules import RULES, STACK_RULES
from tests.unit.policies.test_rules import first

ROOT = Path(__file__).resolve().parents[3]


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])  # fmt: skip


def validate(policy_name: str, resource_type: str, props: dict[str, Any]) -> list[str]:
    (policy,) = [p for p in policies() if p.name == policy_name]
    reported: list[str] = []
    args = ResourceValidationArgs(resource_type, props, f"urn:test::{resource_type}::r", "r", options(), None)
    policy.validate(args, lambda message, _urn=None: reported.append(message))
    return reported


def test_one_policy_per_rule_with_the_same_level() -> None:
    built = {p.name: p for p in policies()}
    assert list(built) == [rule.name for rule in [*RULES, *STACK_RULES]]
    for rule in [*RULES, *STACK_RULES]:
        expected = EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        assert built[rule.name].enforcement_level == expected
        assert all(rule_id in built[rule.name].description for rule_id in rule.ids)


def test_a_resource_policy_reports_the_rules_message() -> None:
    database = dict(first("prod", "aws:rds/instance:Instance").inputs)
    assert validate("aws-rds-instance-disallow-public-access", "aws:rds/instance:Instance", database) == []
    assert validate("aws-rds-instance-disallow-public-access", "aws:rds/instance:Instance",
                    {**database, "publiclyAccessible": True}) == ["RDS instances must not be publicly accessible."]  # fmt: skip
    # other resource types are not this policy's business
    assert (
        validate(
            "aws-rds-instance-disallow-public-access", "aws:s3/bucket:Bucket", {"publiclyAccessible": True}
        )
        == []
    )


def test_production_rules_follow_the_environment_tag() -> None:
    single_az = {**first("prod", "aws:rds/instance:Instance").inputs, "multiAz": False}
    assert validate("aws-rds-instance-require-multi-az", "aws:rds/instance:Instance",
                    {**single_az, "tagsAll": {"Environment": "dev"}}) == []  # fmt: skip
    assert validate("aws-rds-instance-require-multi-az", "aws:rds/instance:Instance", single_az) == [
        "Production RDS instances must be Multi-AZ."
    ]  # untagged counts as production
    assert context_of({"tagsAll": {"Environment": "staging"}}).environment == "staging"


def test_a_stack_policy_reports_against_the_offending_resource() -> None:
    (policy,) = [p for p in policies() if p.name == "aws-s3-bucket-require-public-access-block"]
    bucket = PolicyResource("aws:s3/bucket:Bucket", {"forceDestroy": False}, "urn:test::bucket::stray", "stray",
                            options(), None, None, [], {})  # fmt: skip
    reported: list[tuple[str, str | None]] = []
    policy.validate(StackValidationArgs([bucket]), lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("S3 buckets must have a public access block.", "urn:test::bucket::stray")]


def test_the_pack_entry_point_serves_these_policies() -> None:
    assert (
        "from superset_stack.policies.crossguard import serve"
        in (ROOT / "policy" / "__main__.py").read_text()
    )
    assert "runtime: python" in (ROOT / "policy" / "PulumiPolicy.yaml").read_text()
    # the pack's own virtualenv needs the SDK pinned like the dev extra, and the package with the rules
    requirements = (ROOT / "policy" / "requirements.txt").read_text().splitlines()
    pyproject = (ROOT / "pyproject.toml").read_text()
    pin = next(line for line in requirements if line.startswith("pulumi-policy=="))
    assert f'"{pin}"' in pyproject
    assert "-e .." in requirements
