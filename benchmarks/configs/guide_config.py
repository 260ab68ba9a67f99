"""The guide's database pool (pool_size 10, max_overflow 20, recycle 3600, pre-ping) on our config.

Used only by the connection-budget runs, with stock run-server.sh gunicorn (1 worker x 20 threads)
as the guide deploys it.
"""

from superset_stack.runtime.superset_config import *  # noqa: F403

ENABLE_PROXY_FIX = True
SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 20, "pool_recycle": 3600, "pool_pre_ping": True}
