"""IAM: roleBoundaryArn is empty or an IAM managed policy ARN."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superset_stack.settings import SettingsError
from superset_stack.validators import Problem
from superset_stack.validators.iam import validate_role_boundary
from tests.conftest import make_settings

DEV = make_settings("dev")
EXPECTED = "expected arn:aws:iam::<12-digit account>:policy/<name> (the bootstrap's roleBoundaryArn output)"


def test_no_boundary_is_valid() -> None:
    assert DEV.role_boundary_arn == ""
    assert validate_role_boundary(DEV) == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/ci-role-boundary-7f3a2b1",
        "arn:aws-us-gov:iam::123456789012:policy/boundaries/superset+stack@team.x_y=z,1",
        "arn:aws:iam::aws:policy/PowerUserAccess",
    ],
)
def test_managed_policy_arns_are_valid(arn: str) -> None:
    assert validate_role_boundary(replace(DEV, role_boundary_arn=arn)) == []


@pytest.mark.parametrize(
    "arn",
    [
        "ci-role-boundary",  # a name, not an ARN
        "arn:aws:iam::123456789012:role/superset-app-task",  # a role
        "arn:aws:iam::12345678901:policy/short-account",
        "arn:aws:iam::123456789012:policy/",
        "arn:aws:iam::123456789012:policy/has space",
        " arn:aws:iam::123456789012:policy/padded",
    ],
)
def test_anything_else_is_named_with_the_value_and_the_expected_shape(arn: str) -> None:
    assert validate_role_boundary(replace(DEV, role_boundary_arn=arn)) == [
        Problem("roleBoundaryArn", f"not an IAM managed policy ARN, got {arn!r}; {EXPECTED}")
    ]


def test_the_settings_loader_reports_it() -> None:
    with pytest.raises(SettingsError) as raised:
        make_settings("dev", roleBoundaryArn="arn:aws:iam::123456789012:role/x")
    assert (
        f"roleBoundaryArn: not an IAM managed policy ARN, got 'arn:aws:iam::123456789012:role/x'; {EXPECTED}"
        in raised.value.problems
    )
