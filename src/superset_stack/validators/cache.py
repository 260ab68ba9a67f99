"""Cache: the ElastiCache (Valkey or Redis) replication group."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack import sizing
from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_cache(s: Settings) -> list[Problem]:
    """A major.minor engine version, a known node type, 1-6 nodes and 1-35 days of snapshots."""
    problems = []
    if not re.fullmatch(r"\d+\.\d+", s.cache_engine_version):
        problems.append(
            Problem("cacheEngineVersion", f"expected major.minor such as 8.2, got {s.cache_engine_version!r}")
        )
    if s.cache_node_type not in sizing.CACHE_NODE_MEMORY_GIB:
        known = ", ".join(sizing.CACHE_NODE_MEMORY_GIB)
        problems.append(Problem("cacheNodeType", f"unknown node type {s.cache_node_type!r}; known: {known}"))
    if not 1 <= s.cache_node_count <= 6:
        problems.append(Problem("cacheNodeCount", f"must be 1-6, got {s.cache_node_count}"))
    if not 1 <= s.cache_snapshot_retention_days <= 35:
        problems.append(
            Problem("cacheSnapshotRetentionDays", f"must be 1-35, got {s.cache_snapshot_retention_days}")
        )
    return problems
