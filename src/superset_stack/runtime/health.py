"""Container health checks: `python -m superset_stack.runtime.health web|worker`, exit 0 when healthy.

ECS runs these inside the container (aws/service.py), with the interpreter the image certainly has
(the entrypoint's) and nothing else: no curl, no shell variables.

- web: GET /health on the task's own gunicorn (Superset answers without touching the database).
- worker: a Celery ping to this task's own worker through the broker. The worker's node name is
  set by the entrypoint from `worker_node_name()`, the same function this check calls, so it never
  depends on $HOSTNAME matching what Celery picked. The ping uses a bare Celery app on the broker
  URL the configuration uses, without loading Superset: measured on the twin (docs/runtime.md),
  that is a fraction of the CPU and memory of `celery -A superset... inspect ping`.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

from superset_stack.contract import REDIS_DATABASES, ContractError, Runtime, parse

ROLES = ("web", "worker")
# Below the container health check's 5 s (web) and 10 s (worker) timeouts: a slow answer fails
# here, with a message in the task's health output, before ECS kills the check.
WEB_TIMEOUT_SECONDS = 4.0
WORKER_TIMEOUT_SECONDS = 5.0


def worker_node_name(hostname: str | None = None) -> str:
    """The Celery node name of this task's worker: `worker@<host name of the container>`.

    Unique per task (each Fargate task has its own host name), so a ping can only be answered by
    the worker it checks, not by another task's.
    """
    return f"worker@{hostname or socket.gethostname()}"


def broker_url(runtime: Runtime) -> str:
    """The Celery broker URL superset_config.py uses, TLS checks included (a test holds the two
    together)."""
    return runtime.redis_url(REDIS_DATABASES["celery_broker"])


def web_healthy(runtime: Runtime, timeout: float = WEB_TIMEOUT_SECONDS) -> tuple[bool, str]:
    """Whether this task's gunicorn answers /health with 200, and what it said."""
    url = f"http://127.0.0.1:{runtime.port}/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{url}: {response.status}"
    except (urllib.error.URLError, OSError) as error:
        return False, f"{url}: {error}"


def worker_healthy(runtime: Runtime, timeout: float = WORKER_TIMEOUT_SECONDS) -> tuple[bool, str]:
    """Whether this task's Celery worker answers a ping through the broker within `timeout`."""
    from celery import Celery  # only here: the web check stays a bare interpreter

    node = worker_node_name()
    app = Celery("superset-health", broker=broker_url(runtime), set_as_current=False)
    app.conf.broker_connection_timeout = timeout
    app.conf.broker_connection_retry_on_startup = False
    try:
        replies = app.control.ping(destination=[node], timeout=timeout)
    except Exception as error:  # any failure to reach the broker means unhealthy
        return False, f"{node}: {type(error).__name__}: {error}"
    finally:
        app.close()
    answered = any(node in reply for reply in replies)
    return answered, f"{node}: {'pong' if answered else f'no answer within {timeout:.0f} s'}"


def main(argv: list[str], environ: Mapping[str, str] = os.environ) -> int:
    if len(argv) != 2 or argv[1] not in ROLES:
        print(f"usage: health {{{'|'.join(ROLES)}}}", file=sys.stderr)
        return 2
    try:
        runtime = parse(environ)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 2
    healthy, detail = (web_healthy if argv[1] == "web" else worker_healthy)(runtime)
    print(detail, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
