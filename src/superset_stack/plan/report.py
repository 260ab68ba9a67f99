"""The plan as a Markdown report: summary, policy verdicts, cost lines and resource counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from superset_stack.plan.cost import CostLine


def markdown(document: dict[str, Any], lines: Sequence[CostLine], picture: str = "") -> str:
    """Render the plan contract document (and the cost lines with their min/max) for people.

    `picture` is the architecture picture's path relative to the report, shown under the summary.
    """
    cost = document["cost"]
    violations = document["policies"]["violations"]
    mandatory = [v for v in violations if v["level"] == "mandatory"]
    out = [
        f"# Plan of stack {document['stack']} ({document['environment']}, {document['region']})",
        "",
        f"- {len(document['resources'])} resources; nothing was created (an offline plan, recording mocks).",
        f"- Policies: {len(mandatory)} mandatory and {len(violations) - len(mandatory)} advisory violations.",
        f"- Monthly cost: USD {cost['monthly_min']:.2f} (desired counts) to {cost['monthly_max']:.2f} "
        "(autoscaling ceilings); lines marked * include an estimate.",
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
    for line in sorted(lines, key=lambda item: -item.monthly_max):
        mark = " *" if line.estimate else ""
        out.append(
            f"| `{line.resource}` | {line.item}{mark} | {line.monthly_min:.2f} | {line.monthly_max:.2f} |"
        )
    out.append(f"| **total** | | **{cost['monthly_min']:.2f}** | **{cost['monthly_max']:.2f}** |")
    out += ["", "## Resources by type", "", "| Type | Count |", "|---|---|"]
    counts = Counter(resource["type"] for resource in document["resources"])
    out += [f"| `{kind}` | {count} |" for kind, count in sorted(counts.items())]
    return "\n".join(out) + "\n"
