"""Cost-allocation tags: owner and costCenter are required, and every tag value the settings put
on the resources follows AWS's tag rules, so a deployment never fails on a tag."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from superset_stack.config_types import shown
from superset_stack.validators._problem import Problem, required

if TYPE_CHECKING:
    from superset_stack.settings import Settings

TAG_VALUE_MAX_CHARACTERS = 256
# AWS tag values: Unicode letters, digits and spaces, and these (AWS Tagging "Tag naming limits").
TAG_VALUE_PUNCTUATION = "_.:/=+-@"
# Each tag whose value comes from the settings, and the setting it comes from.
TAG_SOURCES: dict[str, str] = {
    "Owner": "owner",
    "CostCenter": "costCenter",
    "Environment": "environment",
    "Stack": "stack",
    "Project": "project",
}


def _tag_value_error(value: str) -> str | None:
    """Why AWS would refuse `value` as a tag value, or None when it accepts it."""
    if len(value) > TAG_VALUE_MAX_CHARACTERS:
        return f"must be at most {TAG_VALUE_MAX_CHARACTERS} characters (an AWS tag value), got {len(value)}"
    refused = sorted({
        character for character in value
        if unicodedata.category(character)[0] not in "LNZ" and character not in TAG_VALUE_PUNCTUATION
    })  # fmt: skip
    if refused:
        return (
            f"an AWS tag value holds only letters, digits, spaces and {' '.join(TAG_VALUE_PUNCTUATION)}; "
            f"{shown(''.join(refused))} in {shown(value)} are not allowed"
        )
    if value.lower().startswith("aws:"):
        return f"must not start with 'aws:', a prefix AWS reserves for its own tags, got {shown(value)}"
    return None


def validate_tags(s: Settings) -> list[Problem]:
    """owner and costCenter present, and every tag value from the settings one AWS accepts."""
    problems = [
        required(key) for key, value in (("owner", s.owner), ("costCenter", s.cost_center)) if not value
    ]
    for tag, value in s.tags.items():
        error = _tag_value_error(value) if value and tag in TAG_SOURCES else None
        if error:
            problems.append(Problem(TAG_SOURCES[tag], f"{error} (the {tag} tag)"))
    return problems
