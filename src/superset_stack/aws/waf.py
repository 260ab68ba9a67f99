"""WebFirewall: AWS WAF in front of the load balancer.

Creates a regional web ACL, attached to the load balancer, with a per-IP rate limit on password
attempts, a per-IP rate limit on all requests (floods) and AWS managed rule groups (common exploits,
known bad inputs, IP reputation).

The login limit backs Superset's own (AUTH_RATE_LIMIT, 10 a minute per address): it is looser, so
a person who mistypes meets Superset's message first; it still holds when Superset counts in each
process's memory during a Redis outage; and it stops a client that ignores the 429s before its
requests reach the tasks.

Two choices are Superset's, not AWS's defaults: the common set's body-size rule only counts, because
saving a dashboard or asking for chart data posts JSON bodies larger than its 8 KB limit; and the
SQL-injection rule set is left out, because SQL Lab sends SQL in request bodies by design
(Superset's own guards and read-only database roles protect the warehouses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

# The doors that check a password in the 6.1.0 runtime (its URL map): the login form (/login/;
# /login redirects there) and the JWT login API. Matched after URL decoding, because "/%6Cogin/"
# reaches the form too (measured); other spellings ("//login", a trailing slash) only redirect or 404.
LOGIN_PATHS = r"^/(login/?|api/v1/security/login)$"
# Twice Superset's own budget (10 a minute), counted over WAF's shortest window.
LOGIN_RATE_LIMIT_PER_MINUTE = 20
MANAGED_RULE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),  # counted, not blocked (see above)
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
    ("AWSManagedRulesAmazonIpReputationList", ()),
)


@dataclass(frozen=True, kw_only=True)
class WebFirewallArgs:
    """Inputs for :class:`WebFirewall`.

    Attributes:
        load_balancer_arn: the load balancer to protect.
        metric_prefix: prefix of the CloudWatch metric names.
        rate_limit_per_5_minutes: requests one IP may send in 5 minutes before it is blocked.
            Defaults to 2000.
        login_rate_limit_per_minute: password attempts (POSTs to the login paths) one IP may send
            in a minute before it is blocked. Defaults to 20.
    """

    load_balancer_arn: pulumi.Input[str]
    metric_prefix: str
    rate_limit_per_5_minutes: int = 2000
    login_rate_limit_per_minute: int = LOGIN_RATE_LIMIT_PER_MINUTE


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def _login_attempts() -> dict[str, Any]:
    """The requests that try a password: POST to one of LOGIN_PATHS."""
    return {
        "and_statement": {
            "statements": [
                {
                    "byte_match_statement": {
                        "field_to_match": {"method": {}},
                        "positional_constraint": "EXACTLY",
                        "search_string": "POST",
                        "text_transformations": [{"priority": 0, "type": "NONE"}],
                    }
                },
                {
                    "regex_match_statement": {
                        "field_to_match": {"uri_path": {}},
                        "regex_string": LOGIN_PATHS,
                        "text_transformations": [{"priority": 0, "type": "URL_DECODE"}],
                    }
                },
            ]
        }
    }


def _rate_rules(args: WebFirewallArgs) -> list[dict[str, Any]]:
    """Password attempts per IP per minute, then all requests per IP per 5 minutes."""
    return [
        {
            "name": "login-rate-limit-per-ip",
            "priority": 0,
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": args.login_rate_limit_per_minute,
                    "evaluation_window_sec": 60,
                    "aggregate_key_type": "IP",
                    "scope_down_statement": _login_attempts(),
                }
            },
            "visibility_config": _visibility(f"{args.metric_prefix}-login-rate-limit"),
        },
        {
            "name": "rate-limit-per-ip",
            "priority": 1,
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": args.rate_limit_per_5_minutes,
                    "aggregate_key_type": "IP",
                }
            },
            "visibility_config": _visibility(f"{args.metric_prefix}-rate-limit"),
        },
    ]


class WebFirewall(pulumi.ComponentResource):
    """A WAF web ACL with login and request rate limits and managed rules, on the load balancer."""

    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WebFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:waf:WebFirewall", name, None, opts)
        for field in ("rate_limit_per_5_minutes", "login_rate_limit_per_minute"):
            if not 10 <= getattr(args, field) <= 2_000_000_000:  # WAF's range for a rate limit
                raise ValueError(f"{field} must be 10-2000000000, got {getattr(args, field)}")
        child = pulumi.ResourceOptions(parent=self)

        rules = _rate_rules(args)
        for priority, (group, counted) in enumerate(MANAGED_RULE_GROUPS, start=len(rules)):
            statement: dict[str, Any] = {"vendor_name": "AWS", "name": group}
            if counted:
                statement["rule_action_overrides"] = [
                    {"name": rule, "action_to_use": {"count": {}}} for rule in counted
                ]
            rules.append(
                {
                    "name": group,
                    "priority": priority,
                    "override_action": {"none": {}},
                    "statement": {"managed_rule_group_statement": statement},
                    "visibility_config": _visibility(f"{args.metric_prefix}-{group}"),
                }
            )
        acl = aws.wafv2.WebAcl(
            name,
            scope="REGIONAL",
            description="Superset: per-IP rate limits on logins and on all requests, managed rules",
            default_action={"allow": {}},
            rules=rules,
            visibility_config=_visibility(args.metric_prefix),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            name, resource_arn=args.load_balancer_arn, web_acl_arn=acl.arn, opts=child
        )

        self.web_acl_arn = acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})
