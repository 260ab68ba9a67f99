"""Ours with user snapshots only: datasets looked up by Superset on every request, as before
dataset_snapshots.py (benchmarks/profile.py measures what each kind of snapshot saves)."""

from benchmarks.configs.tuned_config import *  # noqa: F403
from superset_stack.runtime.superset_config import _close_the_version_endpoint

FLASK_APP_MUTATOR = _close_the_version_endpoint
