"""The offline plan document: stable order, and no trace of the checkout it was made in."""

from __future__ import annotations

from superset_stack.plan.offline import PROJECT_ROOT, project_relative, violation_order
from superset_stack.policies.engine import Violation


def test_paths_inside_the_project_are_written_relative_to_its_root() -> None:
    inputs = {
        "context": {"location": str(PROJECT_ROOT)},
        "dockerfile": {"location": f"{PROJECT_ROOT}/src/superset_stack/runtime/Dockerfile"},
        "tags": [f"{PROJECT_ROOT}-not-inside", "/elsewhere/file"],
        "count": 2,
    }
    assert project_relative(inputs) == {
        "context": {"location": "."},
        "dockerfile": {"location": "src/superset_stack/runtime/Dockerfile"},
        "tags": [f"{PROJECT_ROOT}-not-inside", "/elsewhere/file"],
        "count": 2,
    }


def test_violations_mandatory_first_then_by_policy_and_resource() -> None:
    found = [
        Violation("aws-z", "r1", "advisory", "m"),
        Violation("aws-b", "r2", "mandatory", "m"),
        Violation("aws-a", "r9", "advisory", "m"),
        Violation("aws-b", "r1", "mandatory", "m"),
    ]
    assert [(v.policy, v.resource) for v in sorted(found, key=violation_order)] == [
        ("aws-b", "r1"), ("aws-b", "r2"), ("aws-a", "r9"), ("aws-z", "r1")
    ]  # fmt: skip
