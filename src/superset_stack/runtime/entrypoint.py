"""Container entrypoint: `python -m superset_stack.runtime.entrypoint web|worker|beat|bootstrap`.

The same commands run on ECS and in the local twin; only the environment differs. The contract is
checked before anything starts, so a bad variable fails here, by name, instead of deep in Superset.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from superset_stack.contract import PROCESSES, ContractError, Runtime, parse
from superset_stack.runtime.health import worker_node_name

CELERY_APP = "superset.tasks.celery_app:app"
# A web worker is replaced after this many requests, against slow leaks. Measured on the twin: a
# worker grows about 1 MiB per 1,000 cached requests once warm, and its replacement costs 5-6 s of
# CPU loading Superset (no requests served meanwhile). At 2,000 that was ~3 ms of CPU per request
# and a latency spike every minute or so under load; here ~0.6 ms for ~10 MiB of growth.
WORKER_MAX_REQUESTS = 10_000
ROLES = PROCESSES


def command(role: str, runtime: Runtime, python: str = sys.executable) -> list[str]:
    """The argv a role runs."""
    if role == "web":
        return [
            python,
            "-m",
            "gunicorn",
            "--bind",
            f"{runtime.bind_address}:{runtime.port}",
            "--workers",
            str(runtime.server_worker_amount),
            "--worker-class",
            "gthread",
            "--threads",
            str(runtime.server_threads_amount),
            "--timeout",
            str(runtime.gunicorn_timeout),
            "--graceful-timeout",
            "30",
            "--keep-alive",
            str(runtime.gunicorn_keepalive),
            "--max-requests",
            str(WORKER_MAX_REQUESTS),
            "--max-requests-jitter",
            str(WORKER_MAX_REQUESTS // 10),
            "--limit-request-line",
            "8190",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "superset.app:create_app()",
        ]
    if role == "worker":
        return [
            python,
            "-m",
            "celery",
            f"--app={CELERY_APP}",
            "worker",
            f"--hostname={worker_node_name()}",  # the name the health check pings
            "--pool=prefork",
            "-O",
            "fair",
            f"--concurrency={runtime.celery_concurrency}",
            "--loglevel=INFO",
        ]
    if role == "beat":
        home = Path(runtime.superset_home)
        return [
            python,
            "-m",
            "celery",
            f"--app={CELERY_APP}",
            "beat",
            "--loglevel=INFO",
            f"--pidfile={home / 'celerybeat.pid'}",
            f"--schedule={home / 'celerybeat-schedule'}",
        ]
    if role == "bootstrap":
        return [python, "-m", "superset_stack.runtime.bootstrap"]
    if role == "verify":
        return [python, "-m", "superset_stack.runtime.verify"]
    raise ValueError(f"unknown role {role!r}; allowed: {', '.join(ROLES)}")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ROLES:
        print(f"usage: entrypoint {{{'|'.join(ROLES)}}}", file=sys.stderr)
        return 2
    try:
        runtime = parse(os.environ)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 2
    Path(runtime.superset_home).mkdir(parents=True, exist_ok=True)
    argv_to_run = command(argv[1], runtime)
    # the process learns its role from the contract (its metadata pool is sized from it)
    os.execve(argv_to_run[0], argv_to_run, {**os.environ, "SUPERSET_PROCESS": argv[1]})


if __name__ == "__main__":
    sys.exit(main(sys.argv))
