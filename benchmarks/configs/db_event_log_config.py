"""Ours, with two of Superset's defaults back: DBEventLogger (a database row and commit per logged
API call) and its own security manager (the Public role looked up on every protected request),
without the snapshot cache.

The request-cost benchmark compares it with public_lookup_config.py and ours to show what each
change saves (benchmarks/request_cost.py).
"""

from superset.security import SupersetSecurityManager
from superset.utils.log import DBEventLogger

from superset_stack.runtime.superset_config import *  # noqa: F403

EVENT_LOGGER = DBEventLogger()
CUSTOM_SECURITY_MANAGER = SupersetSecurityManager  # overrides ours
SNAPSHOT_CACHE = None  # users and datasets looked up on every request, as Superset does
