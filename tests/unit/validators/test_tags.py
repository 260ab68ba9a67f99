"""Tags: owner and costCenter are required and fit an AWS tag value."""

from __future__ import annotations

from dataclasses import replace

from superset_stack.validators import Problem
from superset_stack.validators.tags import validate_tags
from tests.conftest import make_settings

DEV = make_settings("dev")


def test_valid_tags_pass() -> None:
    assert validate_tags(DEV) == []


def test_an_empty_tag_is_required() -> None:
    assert validate_tags(replace(DEV, owner="", cost_center="")) == [
        Problem("owner", "required; set it with `pulumi config set owner <value>`"),
        Problem("costCenter", "required; set it with `pulumi config set costCenter <value>`"),
    ]


def test_a_tag_value_longer_than_aws_allows() -> None:
    assert validate_tags(replace(DEV, owner="x" * 257)) == [
        Problem("owner", "must be at most 256 characters (a tag value), got 257")
    ]
    assert validate_tags(replace(DEV, cost_center="x" * 256)) == []
