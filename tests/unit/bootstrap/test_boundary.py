"""The role boundary follows the plans: every action a role policy in any example stack or variant
(tests/plans/*.json) grants is one the boundary allows, so no role the stack creates loses a
permission to it; no row outlives the plans; and the boundary grants nothing that would let a role
reach IAM or another account.

When the program grants a role a new action, the golden plans change with it and the first test
here fails until bootstrap/boundary.py BOUNDARY allows it.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from superset_stack.bootstrap.actions import ATTACHED_POLICIES
from superset_stack.bootstrap.boundary import BOUNDARY, MANAGED_POLICY_ROWS, boundary_statements

PLANS = sorted((Path(__file__).resolve().parents[2] / "plans").glob("*.json"))


@pytest.fixture(scope="module")
def role_statements() -> list[tuple[str, dict[str, Any]]]:
    """(plan and role policy, statement) of every inline role policy in every golden plan."""
    assert len(PLANS) >= 9, "the golden plans are missing"
    return [
        (f"{path.stem}: {resource['name']}", statement)
        for path in PLANS
        for resource in json.loads(path.read_text())["resources"]
        if resource["type"] == "aws:iam/rolePolicy:RolePolicy"
        for statement in json.loads(resource["inputs"]["policy"])["Statement"]
    ]


def allowed(action: str) -> bool:
    """The boundary allows `action` (IAM compares actions case-insensitively, * as a wildcard)."""
    return any(
        statement["Effect"] == "Allow" and fnmatchcase(action.lower(), pattern.lower())
        for statement in boundary_statements()
        for pattern in statement["Action"]
    )


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_the_boundary_allows_every_action_a_planned_role_policy_grants(
    role_statements: list[tuple[str, dict[str, Any]]],
) -> None:
    assert role_statements
    assert [where for where, s in role_statements if "Action" not in s or s["Effect"] != "Allow"] == [], (
        "a role policy with NotAction or Deny: check it against the boundary by hand, then extend this test"
    )
    missing = sorted({f"{where}: {a}" for where, s in role_statements for a in actions(s) if not allowed(a)})
    assert missing == [], "add these actions to bootstrap/boundary.py BOUNDARY"


def test_no_inline_row_allows_an_action_no_plan_grants(
    role_statements: list[tuple[str, dict[str, Any]]],
) -> None:
    granted = {a for _, s in role_statements for a in actions(s)}
    inline = {a for sid, row in BOUNDARY.items() if sid not in MANAGED_POLICY_ROWS.values() for a in row}
    assert sorted(inline - granted) == [], "no plan grants these any more: drop them from BOUNDARY"


def test_every_attached_aws_policy_has_its_row() -> None:
    assert sorted(MANAGED_POLICY_ROWS) == sorted(ATTACHED_POLICIES)
    assert set(MANAGED_POLICY_ROWS.values()) <= set(BOUNDARY)


@pytest.mark.parametrize("action", ["iam:PassRole", "iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"])
def test_no_role_inside_the_boundary_reaches_iam_or_assumes_roles(action: str) -> None:
    assert not allowed(action)


def test_the_boundary_names_every_action_and_fits_one_managed_policy() -> None:
    statements = boundary_statements()
    assert [s["Sid"] for s in statements] == list(BOUNDARY)
    for statement in statements:
        assert statement["Action"] == sorted(set(statement["Action"])), statement["Sid"]
        assert all(a.count(":") == 1 and "*" not in a for a in statement["Action"]), statement["Sid"]
        assert not any(a.split(":")[0] in {"iam", "sts", "organizations"} for a in statement["Action"])
    document = {"Version": "2012-10-17", "Statement": statements}
    assert len(json.dumps(document, separators=(",", ":"))) <= 6144
