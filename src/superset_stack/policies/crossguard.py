"""The rules as a Pulumi CrossGuard policy pack: `pulumi preview --policy-pack policy`.

Each rule becomes a ResourceValidationPolicy (stack rules a StackValidationPolicy) with the same
name, message and enforcement level as in the offline plan. The pack does not know which
environment a stack is; production-only rules read the Environment tag the stack's provider puts
on every resource (tagsAll) and treat a resource without it as production. To accept a violation
during a preview, lower that policy's enforcement level in the pack config (a JSON file given to
`--policy-pack-config`, e.g. {"aws-rds-instance-require-multi-az": "advisory"}); the stack-config
waivers apply to `superset-stack plan`.
"""

from __future__ import annotations

from typing import Any

from superset_stack.policies.engine import Context, Props, Resource, Rule, StackRule
from superset_stack.policies.rules import RULES, STACK_RULES


def context_of(props: Props) -> Context:
    tags = props.get("tagsAll") or props.get("tags") or {}
    return Context(str(tags.get("Environment", "prod")))


def _level(rule: Rule | StackRule) -> Any:
    from pulumi_policy import EnforcementLevel

    return EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY


def resource_policy(rule: Rule) -> Any:
    from pulumi_policy import ResourceValidationPolicy

    def validate(args: Any, report_violation: Any) -> None:
        if args.resource_type == rule.resource_type:
            message = rule.check(args.props, context_of(args.props))
            if message:
                report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.description} ({', '.join(rule.ids)})",
        validate=validate,
        enforcement_level=_level(rule),
    )


def stack_policy(rule: StackRule) -> Any:
    from pulumi_policy import StackValidationPolicy

    def validate(args: Any, report_violation: Any) -> None:
        resources = [Resource(r.resource_type, r.name, r.props) for r in args.resources]
        urns = {r.name: r.urn for r in args.resources}
        environment = next((context_of(r.props) for r in args.resources if r.props.get("tagsAll")), Context())
        for name, message in rule.check(resources, environment):
            report_violation(message, urns.get(name))

    return StackValidationPolicy(
        name=rule.name,
        description=f"{rule.description} ({', '.join(rule.ids)})",
        validate=validate,
        enforcement_level=_level(rule),
    )


def policies() -> list[Any]:
    return [*(resource_policy(rule) for rule in RULES), *(stack_policy(rule) for rule in STACK_RULES)]


def serve() -> None:  # pragma: no cover - PolicyPack blocks, serving the Pulumi engine
    from pulumi_policy import EnforcementLevel, PolicyPack

    PolicyPack(name="superset-stack", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
