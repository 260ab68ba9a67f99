"""Our runtime configuration, exactly as deployed, standing behind the load balancer.

The only change from src/superset_stack/runtime/superset_config.py is ENABLE_PROXY_FIX: on ECS
the ALB adds X-Forwarded-For and rate limits apply per user; the twin has no proxy, so without this
every simulated user would share 127.0.0.1's limit (50 requests a second).
"""

from superset_stack.runtime.superset_config import *  # noqa: F403

ENABLE_PROXY_FIX = True
