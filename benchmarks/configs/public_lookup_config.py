"""Ours, with Superset's own security manager back (the Public role looked up on every protected
request) and without the snapshot cache; see db_event_log_config.py and benchmarks/request_cost.py."""

from superset.security import SupersetSecurityManager

from superset_stack.runtime.superset_config import *  # noqa: F403

CUSTOM_SECURITY_MANAGER = SupersetSecurityManager  # overrides ours
SNAPSHOT_CACHE = None  # users and datasets looked up on every request, as Superset does
