"""Cache: engine version, node type, node count and snapshot retention."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.cache import validate_cache
from tests.conftest import make_settings

DEV = make_settings("dev")


def test_unknown_cache_node_type() -> None:
    (problem,) = validate_cache(replace(DEV, cache_node_type="cache.x1.huge"))
    assert problem.key == "cacheNodeType"
    assert problem.text.startswith("unknown node type 'cache.x1.huge'; known: cache.t3.micro")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"cache_engine_version": "8"},
            Problem("cacheEngineVersion", "expected major.minor such as 8.2, got '8'"),
        ),
        ({"cache_node_count": 7}, Problem("cacheNodeCount", "must be 1-6, got 7")),
        ({"cache_node_count": 0}, Problem("cacheNodeCount", "must be 1-6, got 0")),
        ({"cache_snapshot_retention_days": 0}, Problem("cacheSnapshotRetentionDays", "must be 1-35, got 0")),
    ],
)
def test_cache(changes: dict[str, Any], expected: Problem) -> None:
    assert validate_cache(replace(DEV, **changes)) == [expected]
