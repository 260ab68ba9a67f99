"""The deploy permissions follow the plans: every resource type every example stack and variant
plans (tests/plans/*.json) has an entry, no entry outlives its type, and the role names, trusted
services and attached policies the IAM statement scopes to are the ones the plans hold.

When the program starts creating a new resource type, the golden plans change with it and the
first test here fails until actions.NEEDS says what that type needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from superset_stack.bootstrap.actions import ATTACHED_POLICIES, DATA_READS, NEEDS, ROLE_NAME_PREFIX

PLANS = sorted((Path(__file__).resolve().parents[2] / "plans").glob("*.json"))


@pytest.fixture(scope="module")
def resources() -> list[dict[str, Any]]:
    assert len(PLANS) >= 9, "the golden plans are missing"
    return [resource for path in PLANS for resource in json.loads(path.read_text())["resources"]]


def of_type(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [resource for resource in resources if resource["type"] == kind]


def test_every_planned_type_has_an_entry_and_no_entry_is_stale(resources: list[dict[str, Any]]) -> None:
    planned = {resource["type"] for resource in resources}
    assert sorted(planned - NEEDS.keys()) == [], "add the new types to bootstrap/actions.py NEEDS"
    assert sorted(NEEDS.keys() - planned) == [], "no plan creates these any more: drop them from NEEDS"


def test_every_role_the_stack_creates_is_auto_named_under_the_prefix(resources: list[dict[str, Any]]) -> None:
    roles = of_type(resources, "aws:iam/role:Role")
    assert roles
    assert all(r["name"].startswith(ROLE_NAME_PREFIX) and "name" not in r["inputs"] for r in roles)
    assert all("namePrefix" not in r["inputs"] and "path" not in r["inputs"] for r in roles)


def test_roles_are_passed_only_to_the_services_that_assume_them(resources: list[dict[str, Any]]) -> None:
    principals = {
        statement["Principal"]["Service"]
        for role in of_type(resources, "aws:iam/role:Role")
        for statement in json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    }
    passed = {need.passes_role_to for need in NEEDS.values() if need.passes_role_to}
    assert passed == principals


def test_only_the_policies_the_stack_attaches_may_be_attached(resources: list[dict[str, Any]]) -> None:
    attached = {
        a["inputs"]["policyArn"]
        for a in of_type(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached == {f"arn:aws:{policy}" for policy in ATTACHED_POLICIES}


def test_actions_are_well_formed_and_data_reads_are_reads() -> None:
    for kind, need in NEEDS.items():
        assert len(set(need.actions)) == len(need.actions), kind
        assert all(action.count(":") == 1 and "*" not in action for action in need.actions), kind
    assert all(action.split(":")[1].startswith("Get") for action in DATA_READS)
