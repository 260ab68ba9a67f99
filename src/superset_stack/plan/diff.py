"""The difference between two offline plans: what a change adds, changes and removes, what it does
to the monthly cost, and which policy violations it brings or resolves.

Both sides are documents of the plan JSON contract (ARCHITECTURE.md "Offline plan JSON"), usually
the base branch's plan and this branch's. Resources are matched by (type, name), never by position,
so the order a plan lists them in does not matter; violations by (policy, resource, level); cost
lines are summed per resource (an item's label changes with its size). Every list in the result is
sorted, so the same two plans always give the same text. A base of `{}` (a stack the base branch
does not have yet) counts everything as added.

`text`, `markdown` and `as_json` render one PlanDiff for a terminal, a pull-request comment and tools.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PARENT = "(parent)"  # stands for the parent in a changed resource's keys
_TABLE_ROWS_SHOWN = 20  # longer resource tables fold into <details> in Markdown


@dataclass(frozen=True)
class ChangedResource:
    """A resource in both plans whose inputs (or parent) differ; `keys` are the input keys that were
    added, removed or changed, sorted, and PARENT when it moved to another parent."""

    type: str
    name: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class CostChange:
    """A resource whose monthly cost (USD, desired counts, its lines summed) differs; 0.0 where a
    side lacks it."""

    resource: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class PlanDiff:
    """The difference from a base plan to a plan (`stack`, `environment`, `region` are the plan's)."""

    stack: str
    environment: str
    region: str
    added: tuple[tuple[str, str], ...]  # (type, name)
    removed: tuple[tuple[str, str], ...]
    changed: tuple[ChangedResource, ...]
    monthly_min: tuple[float, float]  # (base, plan), USD
    monthly_max: tuple[float, float]
    cost_changes: tuple[CostChange, ...]  # largest change first
    new_violations: tuple[dict[str, str], ...]
    resolved_violations: tuple[dict[str, str], ...]
    mandatory: int  # violations of the plan, not of the difference
    advisory: int

    @property
    def unchanged(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.new_violations or self.resolved_violations
        )


def _document(plan: Any, label: str) -> Mapping[str, Any]:
    if not isinstance(plan, Mapping) or (plan and "resources" not in plan):
        raise ValueError(f"{label}: not a plan JSON document (superset-stack plan --format json) nor {{}}")
    return plan


def _resources(plan: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(resource["type"], resource["name"]): resource for resource in plan.get("resources", [])}


def _changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    old, new = before.get("inputs") or {}, after.get("inputs") or {}
    keys = sorted(key for key in old.keys() | new.keys() if old.get(key, ...) != new.get(key, ...))
    return (*keys, PARENT) if before.get("parent") != after.get("parent") else tuple(keys)


def _violations(plan: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, str]]:
    found = (plan.get("policies") or {}).get("violations", [])
    return {(v["policy"], v["resource"], v["level"]): dict(v) for v in found}


def _cost(plan: Mapping[str, Any]) -> tuple[float, float, dict[str, float]]:
    cost = plan.get("cost") or {}
    by_resource: dict[str, float] = {}
    for line in cost.get("lines", []):
        by_resource[line["resource"]] = round(
            by_resource.get(line["resource"], 0.0) + float(line["monthly"]), 2
        )
    return float(cost.get("monthly_min", 0.0)), float(cost.get("monthly_max", 0.0)), by_resource


def _cost_changes(before: dict[str, float], after: dict[str, float]) -> tuple[CostChange, ...]:
    changes = [
        CostChange(resource, before.get(resource, 0.0), after.get(resource, 0.0))
        for resource in before.keys() | after.keys()
    ]
    changes = [change for change in changes if change.delta != 0]
    return tuple(sorted(changes, key=lambda change: (-abs(change.delta), change.resource)))


def diff(base: Mapping[str, Any], plan: Mapping[str, Any]) -> PlanDiff:
    """What `plan` adds, changes and removes compared with `base`, its cost and violation changes.

    Raises ValueError when either side is not a plan JSON document (`{}` is accepted as the base).
    """
    base, plan = _document(base, "base plan"), _document(plan, "plan")
    if not plan:
        raise ValueError("plan: empty; only the base plan may be {}")
    old, new = _resources(base), _resources(plan)
    changed = tuple(
        ChangedResource(kind, name, keys)
        for kind, name in sorted(old.keys() & new.keys())
        if (keys := _changed_keys(old[(kind, name)], new[(kind, name)]))
    )
    old_violations, new_violations = _violations(base), _violations(plan)
    old_min, old_max, old_costs = _cost(base)
    new_min, new_max, new_costs = _cost(plan)
    levels = [level for _policy, _resource, level in new_violations]
    return PlanDiff(
        stack=plan["stack"],
        environment=plan["environment"],
        region=plan["region"],
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        changed=changed,
        monthly_min=(old_min, new_min),
        monthly_max=(old_max, new_max),
        cost_changes=_cost_changes(old_costs, new_costs),
        new_violations=tuple(
            new_violations[key] for key in sorted(new_violations.keys() - old_violations.keys())
        ),
        resolved_violations=tuple(
            old_violations[key] for key in sorted(old_violations.keys() - new_violations.keys())
        ),
        mandatory=levels.count("mandatory"),
        advisory=levels.count("advisory"),
    )


def _signed(delta: float) -> str:
    rounded = round(delta, 2)
    return f"{0.0 if rounded == 0 else rounded:+.2f}"


def _counts(d: PlanDiff) -> str:
    return f"{len(d.added)} added, {len(d.changed)} changed, {len(d.removed)} removed"


def _cost_summary(d: PlanDiff, strong: str = "") -> str:
    (min_before, min_after), (max_before, max_after) = d.monthly_min, d.monthly_max
    return (
        f"USD {min_before:.2f} -> {min_after:.2f} ({strong}{_signed(min_after - min_before)}{strong}) "
        f"at desired counts, {max_before:.2f} -> {max_after:.2f} "
        f"({strong}{_signed(max_after - max_before)}{strong}) at autoscaling ceilings"
    )


def _policy_summary(d: PlanDiff) -> str:
    return (
        f"{d.mandatory} mandatory and {d.advisory} advisory violations; "
        f"{len(d.new_violations)} new, {len(d.resolved_violations)} resolved"
    )


def text(d: PlanDiff) -> str:
    """The difference for a terminal: counts, one line per resource, cost lines, violations."""
    out = [
        f"stack {d.stack} ({d.environment}, {d.region}), difference from the base plan:",
        f"resources: {_counts(d)}",
        *(f"  + {kind} {name}" for kind, name in d.added),
        *(f"  ~ {c.type} {c.name}: {', '.join(c.keys)}" for c in d.changed),
        *(f"  - {kind} {name}" for kind, name in d.removed),
        f"monthly cost: {_cost_summary(d)}",
        *(f"  {_signed(c.delta):>9}  {c.resource} ({c.before:.2f} -> {c.after:.2f})" for c in d.cost_changes),
        f"policies: {_policy_summary(d)}",
        *(f"  new {v['level']} {v['policy']}: {v['resource']}: {v['message']}" for v in d.new_violations),
        *(f"  resolved {v['level']} {v['policy']}: {v['resource']}" for v in d.resolved_violations),
    ]
    return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _folded(title: str, rows: Sequence[str]) -> list[str]:
    """A Markdown table under a bold title, folded into <details> when it is long."""
    if len(rows) - 2 <= _TABLE_ROWS_SHOWN:
        return [f"**{title}**", "", *rows, ""]
    return [f"<details><summary>{title}</summary>", "", *rows, "", "</details>", ""]


def _resource_rows(d: PlanDiff) -> list[str]:
    rows = ["| | Type | Name | Changed inputs |", "|---|---|---|---|"]
    rows += [f"| + | `{kind}` | `{name}` | |" for kind, name in d.added]
    rows += [
        f"| ~ | `{c.type}` | `{c.name}` | {', '.join(f'`{key}`' for key in c.keys)} |" for c in d.changed
    ]
    rows += [f"| - | `{kind}` | `{name}` | |" for kind, name in d.removed]
    return rows


def _violation_rows(violations: Sequence[Mapping[str, str]]) -> list[str]:
    rows = ["| Level | Policy | Resource | Message |", "|---|---|---|---|"]
    return rows + [
        f"| {v['level']} | `{v['policy']}` | `{v['resource']}` | {_cell(v['message'])} |" for v in violations
    ]


def markdown(d: PlanDiff) -> str:
    """The difference as one section of a pull-request comment."""
    out = [
        f"### Stack `{d.stack}` ({d.environment}, {d.region})",
        "",
        f"- Resources: **{_counts(d)}**",
        f"- Monthly cost: {_cost_summary(d, strong='**')}",
        f"- Policies: {_policy_summary(d)}",
        "",
    ]
    if d.added or d.changed or d.removed:
        out += _folded(f"Resources ({_counts(d)})", _resource_rows(d))
    if d.cost_changes:
        cost_rows = ["| Resource | Base | This change | Difference |", "|---|---|---|---|"]
        cost_rows += [
            f"| `{c.resource}` | {c.before:.2f} | {c.after:.2f} | {_signed(c.delta)} |"
            for c in d.cost_changes
        ]
        out += _folded("Monthly cost by resource, where it changes (USD, desired counts)", cost_rows)
    if d.new_violations:
        out += _folded("New policy violations", _violation_rows(d.new_violations))
    if d.resolved_violations:
        out += _folded("Resolved policy violations", _violation_rows(d.resolved_violations))
    if d.unchanged:
        out += ["No resource or policy changes.", ""]
    return "\n".join(out)


def as_json(d: PlanDiff) -> dict[str, Any]:
    """The difference as a JSON-ready dict (keys in a fixed order, lists sorted)."""
    return {
        "stack": d.stack,
        "environment": d.environment,
        "region": d.region,
        "resources": {
            "added": [{"type": kind, "name": name} for kind, name in d.added],
            "changed": [{"type": c.type, "name": c.name, "keys": list(c.keys)} for c in d.changed],
            "removed": [{"type": kind, "name": name} for kind, name in d.removed],
        },
        "cost": {
            "currency": "USD",
            "monthly_min": _cost_pair(d.monthly_min),
            "monthly_max": _cost_pair(d.monthly_max),
            "resources": [
                {"resource": c.resource, "base": c.before, "plan": c.after, "delta": c.delta}
                for c in d.cost_changes
            ],
        },
        "policies": {
            "mandatory": d.mandatory,
            "advisory": d.advisory,
            "new": list(d.new_violations),
            "resolved": list(d.resolved_violations),
        },
    }


def _cost_pair(pair: tuple[float, float]) -> dict[str, float]:
    before, after = pair
    return {"base": before, "plan": after, "delta": round(after - before, 2)}


def load(path: str) -> dict[str, Any]:
    """Read a plan JSON file (or `{}`); ValueError naming the path when it is neither."""
    with open(path, encoding="utf-8") as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    return dict(_document(document, path))
