"""WebFirewall: managed rules, a per-IP rate limit, and Superset's two exceptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.waf import WebFirewall, WebFirewallArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/1"


def firewall(**overrides: Any) -> Callable[[], WebFirewall]:
    values: dict[str, Any] = {
        "load_balancer_arn": ALB,
        "metric_prefix": "superset-prod",
        "rate_limit_per_5_minutes": 1000,
    }
    values.update(overrides)
    return lambda: WebFirewall("waf", WebFirewallArgs(**values))


def test_rules_and_association(build: Build) -> None:
    mocks = build(firewall())
    (acl,) = mocks.inputs_of("aws:wafv2/webAcl:WebAcl")
    assert (acl["scope"], acl["defaultAction"]) == ("REGIONAL", {"allow": {}})
    rules = {rule["name"]: rule for rule in acl["rules"]}
    assert list(rules) == ["rate-limit-per-ip", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesAmazonIpReputationList"]  # fmt: skip
    assert rules["rate-limit-per-ip"]["statement"] == {
        "rateBasedStatement": {"limit": 1000, "aggregateKeyType": "IP"}
    }
    assert rules["rate-limit-per-ip"]["action"] == {"block": {}}
    assert [rule["priority"] for rule in acl["rules"]] == [0, 1, 2, 3]
    for rule in acl["rules"]:
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    assert mocks.inputs_of("aws:wafv2/webAclAssociation:WebAclAssociation") == [
        {"resourceArn": ALB, "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:waf"}
    ]


def test_superset_bodies_and_sql_lab_are_not_blocked(build: Build) -> None:
    mocks = build(firewall())
    rules = {rule["name"]: rule for rule in mocks.inputs_of("aws:wafv2/webAcl:WebAcl")[0]["rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    assert "AWSManagedRulesSQLiRuleSet" not in rules


def test_rejects_a_useless_limit(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="rate_limit_per_5_minutes must be 10-2000000000, got 5"):
        firewall(rate_limit_per_5_minutes=5)()
