"""The connection budget: web servers at a design's autoscaling maximum against db.t3.micro's limit."""

from __future__ import annotations

import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.bench import GUIDE, TUNED, Bench
from benchmarks.load import LocustRun
from superset_stack import sizing

CONNECTION_ERRORS = re.compile(r"too many clients|remaining connection slots", re.IGNORECASE)
BUDGET_INSTANCE_CLASS = "db.t3.micro"


@dataclass(frozen=True)
class BudgetResult:
    variant: str
    servers: int
    workers: int
    threads: int
    pool: str
    max_connections: int
    peak_connections: int
    requests: int
    failures: int
    connection_errors: int


def connection_budget(bench: Bench, fixture_path: Path, users: int, seconds: int) -> list[BudgetResult]:
    """Several web servers against PostgreSQL with db.t3.micro's max_connections, under load."""
    limit = sizing.rds_max_connections(BUDGET_INSTANCE_CLASS)
    bench.log(f"restarting PostgreSQL with max_connections={limit} ({BUDGET_INSTANCE_CLASS})")
    bench.restart_postgres(limit)
    pool = sizing.pool_settings(TUNED.threads)
    shapes = (
        # the dev preset at its autoscaling maximum: webMaxTasks 2, gunicornWorkers 2, gunicornThreads 4
        (TUNED, 2, f"{pool.pool_size} + {pool.max_overflow} (ours, from the threads)"),
        # the guide at its autoscaling maximum: max_capacity 5, stock run-server.sh
        (GUIDE, 5, "10 + 20 (the guide's)"),
    )
    results = []
    for variant, servers, pool_text in shapes:
        urls = [bench.start_web(variant) for _ in range(servers)]
        bench.log(f"connection budget: {variant.name}, {servers} servers, {users} users, {seconds} s")
        logs = [bench.web_log(port) for port in bench.webs]
        offsets = [log.stat().st_size for log in logs]
        poller = _connection_poller(bench)
        prefix = bench.state / "locust" / f"budget-{variant.name}"
        requests, failures = report.read_locust_totals(
            LocustRun(
                classes=["ChartData", "Dashboard"],
                users=users,
                seconds=seconds,
                host=urls[0],
                fixture=fixture_path,
                prefix=prefix,
                hosts=urls,
            ).run()
        )
        peak = _stop_poller(poller)
        errors = sum(
            len(CONNECTION_ERRORS.findall(log.read_text(errors="replace")[offset:]))
            for log, offset in zip(logs, offsets, strict=True)
        )
        results.append(
            BudgetResult(
                variant.name,
                servers,
                variant.workers,
                variant.threads,
                pool_text,
                limit,
                peak,
                requests,
                failures,
                errors,
            )
        )
        bench.stop_webs()
    return results


_POLLER = """
import sys, time, psycopg2
connection = psycopg2.connect(sys.argv[1]); connection.autocommit = True
peak = 0
try:
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            peak = max(peak, cursor.fetchone()[0])
        print(peak, flush=True)
        time.sleep(0.1)
except KeyboardInterrupt:
    pass
"""


def _connection_poller(bench: Bench) -> subprocess.Popen[str]:
    """Counts client connections ten times a second (its own included) in the runtime's Python."""
    python = bench.twin.options.runtime / "bin" / "python"
    url = bench.twin.postgres().url("postgres")
    return subprocess.Popen([str(python), "-c", _POLLER, url], stdout=subprocess.PIPE, text=True)


def _stop_poller(poller: subprocess.Popen[str]) -> int:
    poller.send_signal(signal.SIGINT)
    output, _ = poller.communicate(timeout=30)
    values = [int(line) for line in output.split() if line.isdigit()]
    return max(values, default=0)
