"""WebFirewall: login and request rate limits per IP, managed rules, and Superset's two exceptions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.waf import LOGIN_PATHS, WebFirewall, WebFirewallArgs
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
    assert list(rules) == ["login-rate-limit-per-ip", "rate-limit-per-ip", "AWSManagedRulesCommonRuleSet",
                           "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]  # fmt: skip
    assert rules["rate-limit-per-ip"]["statement"] == {
        "rateBasedStatement": {"limit": 1000, "aggregateKeyType": "IP"}
    }
    assert rules["rate-limit-per-ip"]["action"] == {"block": {}}
    assert [rule["priority"] for rule in acl["rules"]] == [0, 1, 2, 3, 4]
    for rule in acl["rules"]:
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    assert mocks.inputs_of("aws:wafv2/webAclAssociation:WebAclAssociation") == [
        {"resourceArn": ALB, "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:waf"}
    ]


def test_password_attempts_per_ip_are_limited_per_minute_on_every_login_door(build: Build) -> None:
    mocks = build(firewall())
    rules = {rule["name"]: rule for rule in mocks.inputs_of("aws:wafv2/webAcl:WebAcl")[0]["rules"]}
    login = rules["login-rate-limit-per-ip"]
    assert (login["priority"], login["action"]) == (0, {"block": {}})
    assert login["statement"] == {"rateBasedStatement": {
        "limit": 20, "evaluationWindowSec": 60, "aggregateKeyType": "IP",
        "scopeDownStatement": {"andStatement": {"statements": [
            {"byteMatchStatement": {"fieldToMatch": {"method": {}}, "positionalConstraint": "EXACTLY",
                                    "searchString": "POST", "textTransformations": [{"priority": 0, "type": "NONE"}]}},
            {"regexMatchStatement": {"fieldToMatch": {"uriPath": {}}, "regexString": r"^/(login/?|api/v1/security/login)$",
                                     "textTransformations": [{"priority": 0, "type": "URL_DECODE"}]}},
        ]}},
    }}  # fmt: skip
    assert login["visibilityConfig"]["metricName"] == "superset-prod-login-rate-limit"


@pytest.mark.parametrize(
    ("path", "counted"),
    [("/login/", True), ("/login", True), ("/api/v1/security/login", True), ("/api/v1/security/refresh", False),
     ("/api/v1/chart/data", False), ("/superset/welcome/", False), ("/loginx/", False)],
)  # fmt: skip
def test_the_login_pattern_matches_exactly_the_password_doors(path: str, counted: bool) -> None:
    assert bool(re.match(LOGIN_PATHS, path)) is counted


def test_superset_bodies_and_sql_lab_are_not_blocked(build: Build) -> None:
    mocks = build(firewall())
    rules = {rule["name"]: rule for rule in mocks.inputs_of("aws:wafv2/webAcl:WebAcl")[0]["rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    assert "AWSManagedRulesSQLiRuleSet" not in rules


@pytest.mark.parametrize("field", ["rate_limit_per_5_minutes", "login_rate_limit_per_minute"])
def test_rejects_a_limit_waf_does_not_accept(mocks: RecordingMocks, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field} must be 10-2000000000, got 5$"):
        firewall(**{field: 5})()
