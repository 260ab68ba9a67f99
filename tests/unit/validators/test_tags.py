"""Tags: owner and costCenter are required, and every tag value from the settings follows AWS's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.tags import validate_tags
from tests.conftest import make_settings

DEV = make_settings("dev")


def test_valid_tags_pass() -> None:
    assert validate_tags(DEV) == []
    assert (
        validate_tags(replace(DEV, owner="Équipe données: ops@example.com", cost_center="CC-4711 / a+b=c"))
        == []
    )


def test_an_empty_tag_is_required() -> None:
    assert validate_tags(replace(DEV, owner="", cost_center="")) == [
        Problem("owner", "required; set it with `pulumi config set owner <value>`"),
        Problem("costCenter", "required; set it with `pulumi config set costCenter <value>`"),
    ]


def test_a_tag_value_longer_than_aws_allows() -> None:
    assert validate_tags(replace(DEV, owner="x" * 257)) == [
        Problem("owner", "must be at most 256 characters (an AWS tag value), got 257 (the Owner tag)")
    ]
    assert validate_tags(replace(DEV, cost_center="x" * 256)) == []


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("['a', 'b']", "an AWS tag value holds only letters, digits, spaces and _ . : / = + - @; \"',[]\" in "
         "\"['a', 'b']\" are not allowed"),
        ("team\tdata", "an AWS tag value holds only letters, digits, spaces and _ . : / = + - @; '\\t' in "
         "'team\\tdata' are not allowed"),
        ("a#b;c", "an AWS tag value holds only letters, digits, spaces and _ . : / = + - @; '#;' in 'a#b;c' "
         "are not allowed"),
        ("AWS:billing", "must not start with 'aws:', a prefix AWS reserves for its own tags, got 'AWS:billing'"),
    ],
)  # fmt: skip
def test_values_outside_the_tag_character_set(value: str, error: str) -> None:
    assert validate_tags(replace(DEV, cost_center=value)) == [
        Problem("costCenter", f"{error} (the CostCenter tag)")
    ]
