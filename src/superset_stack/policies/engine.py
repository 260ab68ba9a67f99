"""The policy engine: rules over resource inputs as the Pulumi engine sees them (camelCase).

A rule checks one resource type (or, for stack rules, every recorded resource at once) and returns
a short imperative message when the resource breaks it. The same rules run offline on the recorded
plan and, wrapped by policy/__main__.py, in CrossGuard during `pulumi preview`. Pure Python: no
Pulumi import, so the engine runs anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["mandatory", "advisory"]
Props = Mapping[str, Any]


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the resource: the environment preset."""

    environment: str = "prod"

    @property
    def production(self) -> bool:
        return self.environment == "prod"


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    inputs: Props


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    level: Level
    message: str


@dataclass(frozen=True)
class Rule:
    """One checklist row. `check` returns the violation message, or None when the resource complies."""

    name: str
    resource_type: str
    description: str
    ids: tuple[str, ...]
    check: Callable[[Props, Context], str | None]
    level: Level = "mandatory"


@dataclass(frozen=True)
class StackRule:
    """A rule that needs several resources at once (e.g. every bucket has a public access block)."""

    name: str
    description: str
    ids: tuple[str, ...]
    check: Callable[[Sequence[Resource], Context], list[tuple[str, str]]]  # (resource name, message)
    level: Level = "mandatory"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]


def evaluate(
    resources: Iterable[Resource],
    rules: Sequence[Rule],
    stack_rules: Sequence[StackRule] = (),
    context: Context | None = None,
    waivers: Mapping[str, str] | None = None,
) -> Report:
    """Run every rule on the resources it applies to.

    `waivers` maps a policy name to why and until when it is accepted: its violations are still
    reported, as advisory, with that note.
    """
    context = context or Context()
    waivers = waivers or {}

    def violation(policy: str, resource: str, level: Level, message: str) -> Violation:
        if policy in waivers:
            return Violation(policy, resource, "advisory", f"{message} (waived {waivers[policy]})")
        return Violation(policy, resource, level, message)

    resources = list(resources)
    report = Report()
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        by_type.setdefault(rule.resource_type, []).append(rule)
    for resource in resources:
        for rule in by_type.get(resource.type, []):
            message = rule.check(resource.inputs, context)
            if message:
                report.violations.append(violation(rule.name, resource.name, rule.level, message))
    for stack_rule in stack_rules:
        for name, message in stack_rule.check(resources, context):
            report.violations.append(violation(stack_rule.name, name, stack_rule.level, message))
    return report
