"""Ours without the snapshot cache: the user, roles, groups, permissions and row-level security
filters loaded from the metadata database on every request, as Flask-AppBuilder and Superset do
(benchmarks/request_cost.py and benchmarks/profile.py measure what the cache saves)."""

from benchmarks.configs.tuned_config import *  # noqa: F403

SNAPSHOT_CACHE = None
