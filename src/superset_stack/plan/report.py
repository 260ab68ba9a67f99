"""The plan for people: its summary, the cost lines in a stable order, and the Markdown report.

Every list comes out in an order that depends only on the plan (resources in declaration order,
violations sorted by plan/offline.py, cost lines by the key below), so the same stack file gives
the same bytes on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superset_stack.plan.cost import CostLine

if TYPE_CHECKING:
    from superset_stack.plan.offline import Plan

LARGEST_LINES = 5  # cost lines the summary names
FILES = ("plan.json", "plan.md", "architecture.svg")  # what `plan --out DIR` writes


def wrote(out: Path) -> str:
    """What `plan --out DIR` says (on stderr, last) once it has written its files."""
    return "wrote " + ", ".join(str(out / name) for name in FILES)


def largest_first(lines: Sequence[CostLine], *, at_desired_counts: bool = False) -> list[CostLine]:
    """Cost lines by maximum (or, `at_desired_counts`, minimum) cost, descending, then by the other;
    ties by resource and item. Unpriced lines (0) come last."""

    def key(line: CostLine) -> tuple[float, float, str, str]:
        amounts = (line.monthly_min, line.monthly_max)
        first, second = amounts if at_desired_counts else amounts[::-1]
        return -first, -second, line.resource, line.item

    return sorted(lines, key=key)


def unpriced_notes(lines: Sequence[CostLine]) -> list[str]:
    """One line per reason a cost line has no figure, with how many lines it leaves unpriced."""
    reasons = Counter(line.unpriced for line in lines if line.unpriced)
    return [
        f"  - {reason}: {count} line{'' if count == 1 else 's'}" for reason, count in sorted(reasons.items())
    ]


COMMITMENTS_HEADING = (
    "1-year commitments, no upfront, at the desired counts (beside on demand, not in the totals):"
)


def commitment_notes(lines: Sequence[CostLine]) -> list[str]:
    """One line per cost line a commitment applies to, by resource and item: what it would cost
    under the commitment, or why there is no figure (and the best a published ceiling allows)."""
    out = []
    for line in sorted(lines, key=lambda line: (line.resource, line.item)):
        commitment = line.commitment
        if commitment is None or line.unpriced:
            continue
        head = f"  - {line.resource}, {commitment.kind}"
        if commitment.monthly is not None:
            mark = " *" if commitment.estimate else ""
            out.append(f"{head}: {commitment.monthly:.2f}{mark} a month, on demand {line.monthly_min:.2f}")
        else:
            bound = f"; at best {commitment.at_best:.2f} a month" if commitment.at_best is not None else ""
            out.append(f"{head}: no figure ({commitment.note}){bound}, on demand {line.monthly_min:.2f}")
    return out


def cost_summary(lines: Sequence[CostLine], monthly_min: float, monthly_max: float) -> str:
    """The totals in one sentence; a lower bound, and saying so, while any line is unpriced."""
    unpriced = sum(1 for line in lines if line.unpriced)
    if lines and unpriced == len(lines):
        return f"monthly cost: not priced, {unpriced} lines without a unit price (see above)"
    totals = f"USD {monthly_min:.2f} (desired counts) to {monthly_max:.2f} (autoscaling ceilings)"
    if unpriced:
        return f"monthly cost: at least {totals}; {unpriced} of {len(lines)} lines unpriced (see above)"
    return f"monthly cost: {totals}"


def summary(plan: Plan) -> list[str]:
    """The closing lines of `superset-stack plan`: counts, verdicts, totals and the largest lines."""
    from superset_stack.policies.rules import RULES, STACK_RULES

    violations = plan.policies.violations
    mandatory = len(plan.policies.mandatory)
    priced = [line for line in plan.cost.lines if not line.unpriced]
    lines = largest_first(priced, at_desired_counts=True)[:LARGEST_LINES]
    header = cost_summary(plan.cost.lines, plan.cost.monthly_min, plan.cost.monthly_max)
    return [
        f"stack {plan.document['stack']} ({plan.settings.environment}, {plan.settings.region}): "
        f"{len(plan.document['resources'])} resources, nothing created (offline)",
        f"policies: {len(RULES)} resource rules and {len(STACK_RULES)} stack rules, "
        f"{mandatory} mandatory and {len(violations) - mandatory} advisory violations",
        f"{header}; the largest at desired counts:" if lines else header,
        *(f"  {line.monthly_min:8.2f}  {line.resource}: {line.item}" for line in lines),
    ]


def markdown(document: dict[str, Any], lines: Sequence[CostLine], picture: str = "") -> str:
    """Render the plan contract document (and the cost lines with their min/max) for people.

    `picture` is the architecture picture's path relative to the report, shown under the summary.
    """
    cost = document["cost"]
    violations = document["policies"]["violations"]
    mandatory = [v for v in violations if v["level"] == "mandatory"]
    totals = cost_summary(lines, cost["monthly_min"], cost["monthly_max"])
    out = [
        f"# Plan of stack {document['stack']} ({document['environment']}, {document['region']})",
        "",
        f"- {len(document['resources'])} resources; nothing was created (an offline plan, recording mocks).",
        f"- Policies: {len(mandatory)} mandatory and {len(violations) - len(mandatory)} advisory violations.",
        f"- {totals[0].upper()}{totals[1:]}; lines marked * include an estimate.",
        "",
        *([f"![Architecture of stack {document['stack']}]({picture})", ""] if picture else []),
        "## Policy verdicts",
        "",
    ]
    if violations:
        out += ["| Level | Policy | Resource | Message |", "|---|---|---|---|"]
        out += [
            f"| {v['level']} | `{v['policy']}` | `{v['resource']}` | {v['message']} |" for v in violations
        ]
    else:
        out.append("No violations.")
    out += ["", "## Monthly cost (USD)", "", "| Resource | Item | Min | Max |", "|---|---|---|---|"]
    for line in largest_first(lines):
        mark = " *" if line.estimate else ""
        low, high = ("-", "-") if line.unpriced else (f"{line.monthly_min:.2f}", f"{line.monthly_max:.2f}")
        out.append(f"| `{line.resource}` | {line.item}{mark} | {low} | {high} |")
    out.append(f"| **total** | | **{cost['monthly_min']:.2f}** | **{cost['monthly_max']:.2f}** |")
    if any(line.unpriced for line in lines):
        out += ["", "Unpriced (-), so the totals are lower bounds:", "", *unpriced_notes(lines)]
    if commitments := commitment_notes(lines):
        out += ["", COMMITMENTS_HEADING, "", *commitments]
    out += warehouse_section(document.get("warehouse_connections", []))
    out += ["", "## Resources by type", "", "| Type | Count |", "|---|---|"]
    counts = Counter(resource["type"] for resource in document["resources"])
    out += [f"| `{kind}` | {count} |" for kind, count in sorted(counts.items())]
    return "\n".join(out) + "\n"


def connection_options(options: dict[str, Any]) -> str:
    """A connection's Superset options in one line: the ones switched on, the schemas, the cache."""
    shown = [
        key for key in ("exposeInSqlLab", "allowDml", "allowRunAsync", "allowFileUpload") if options[key]
    ]
    if options["fileUploadSchemas"]:
        shown.append(f"upload schemas {', '.join(options['fileUploadSchemas'])}")
    if options["cacheTimeoutSeconds"] is not None:
        shown.append(f"cache {options['cacheTimeoutSeconds']} s")
    return ", ".join(shown) or "none"


def warehouse_section(connections: Sequence[dict[str, Any]]) -> list[str]:
    """The Markdown section on the declared warehouse connections (none: no section)."""
    if not connections:
        return []
    out = [
        "",
        "## Warehouse connections",
        "",
        "Created or updated by the migration task; credentials only as Secrets Manager ARNs.",
        "",
        "| Name | Engine | Address | Options | TLS | Egress | Credential |",
        "|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {_cell(c['name'])} | {c['engine']} | `{c['address']}` | {connection_options(c['options'])} "
        f"| {c['tls']} | {c['egress']} | `{c['credential']}` |"
        for c in connections
    ]
    return out


def _cell(text: str) -> str:
    """Text in a Markdown table cell (a | would end it)."""
    return text.replace("|", "\\|")
