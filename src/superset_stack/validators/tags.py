"""Cost-allocation tags: owner and costCenter are required tag values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem, required

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_tags(s: Settings) -> list[Problem]:
    """owner and costCenter: present, and short enough for an AWS tag value."""
    problems = []
    for key, value in (("owner", s.owner), ("costCenter", s.cost_center)):
        if not value:
            problems.append(required(key))
        elif len(value) > 256:
            problems.append(Problem(key, f"must be at most 256 characters (a tag value), got {len(value)}"))
    return problems
