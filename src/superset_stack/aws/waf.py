"""WebFirewall: AWS WAF in front of the load balancer.

Creates a regional web ACL, attached to the load balancer, with AWS managed rule groups (common
exploits, known bad inputs, IP reputation) and a per-IP rate limit that blocks floods and password
guessing. Two choices are Superset's, not AWS's defaults: the common set's body-size rule only
counts, because saving a dashboard or asking for chart data posts JSON bodies larger than its 8 KB
limit; and the SQL-injection rule set is left out, because SQL Lab sends SQL in request bodies by
design (Superset's own guards and read-only database roles protect the warehouses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

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
    """

    load_balancer_arn: pulumi.Input[str]
    metric_prefix: str
    rate_limit_per_5_minutes: int = 2000


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


class WebFirewall(pulumi.ComponentResource):
    """A WAF web ACL with managed rules and a rate limit, on the load balancer."""

    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WebFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:waf:WebFirewall", name, None, opts)
        if not 10 <= args.rate_limit_per_5_minutes <= 2_000_000_000:
            raise ValueError(
                f"rate_limit_per_5_minutes must be 10-2000000000, got {args.rate_limit_per_5_minutes}"
            )
        child = pulumi.ResourceOptions(parent=self)

        rules: list[dict[str, Any]] = [
            {
                "name": "rate-limit-per-ip",
                "priority": 0,
                "action": {"block": {}},
                "statement": {
                    "rate_based_statement": {
                        "limit": args.rate_limit_per_5_minutes,
                        "aggregate_key_type": "IP",
                    }
                },
                "visibility_config": _visibility(f"{args.metric_prefix}-rate-limit"),
            }
        ]
        for priority, (group, counted) in enumerate(MANAGED_RULE_GROUPS, start=1):
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
            description="Superset: managed rules and a per-IP rate limit",
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
