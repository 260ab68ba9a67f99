"""One command for the whole benchmark: `make bench` (or `python -m benchmarks.run`).

Starts a throw-away local twin (PostgreSQL, Redis, Celery worker and beat), seeds a dashboard, and
then, one after the other on the same machine:

1. throughput: each scenario at each concurrency level against stock Superset settings and against
   ours (locust, headless, closed loop);
2. the connection budget: PostgreSQL restarted with db.t3.micro's max_connections, several web
   servers standing for the autoscaling maximum, with our pool settings and with the guide's;

and rewrites docs/benchmarks.md (with docs/benchmarks-chart-data.svg) from what it measured.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import psutil
import typer

from benchmarks import report
from benchmarks.report import Measurement
from benchmarks.seed import seed
from superset_stack import sizing
from superset_stack.local.processes import free_port, start, stop, wait_until
from superset_stack.local.twin import Ports, Twin, TwinOptions

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CONFIGS = Path(__file__).with_name("configs")
# scenario -> (locust user class, the request name whose figures are reported)
SCENARIOS: dict[str, tuple[str, str]] = {
    "chart data": ("ChartData", "chart data"),
    "dashboard viewers": ("DashboardViewer", "chart data"),
    "login": ("Login", "login"),
    "explore": ("Explore", "explore"),
    "dashboard": ("Dashboard", "dashboard"),
}
CONNECTION_ERRORS = re.compile(r"too many clients|remaining connection slots", re.IGNORECASE)
BUDGET_INSTANCE_CLASS = "db.t3.micro"


@dataclass(frozen=True)
class WebVariant:
    """How a web server is started: its gunicorn flags and its Superset configuration module."""

    name: str
    config: Path
    workers: int
    threads: int
    stock_gunicorn: bool  # docker/entrypoints/run-server.sh's flags instead of our entrypoint's


# docker/entrypoints/run-server.sh at apache/superset 1917ac5 (current): 1 gthread worker x 20
# threads, timeout 60, keep-alive 2, no request-line limit.
STOCK = WebVariant("stock", CONFIGS / "stock_config.py", workers=1, threads=20, stock_gunicorn=True)
# What the dev preset runs per task: 2 workers x 4 threads (settings.py), our config.
TUNED = WebVariant("tuned", CONFIGS / "tuned_config.py", workers=2, threads=4, stock_gunicorn=False)
GUIDE = WebVariant("guide", CONFIGS / "guide_config.py", workers=1, threads=20, stock_gunicorn=True)


def stock_gunicorn_argv(python: Path, port: int, workers: int, threads: int) -> list[str]:
    return [
        str(python),
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--keep-alive",
        "2",
        "--max-requests",
        "0",
        "--max-requests-jitter",
        "0",
        "--limit-request-line",
        "0",
        "--limit-request-field_size",
        "0",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "superset.app:create_app()",
    ]


class Bench:
    """The twin and the web servers started on top of it; everything is stopped in close()."""

    def __init__(self, runtime: Path, log: Callable[[str], None]) -> None:
        self.log = log
        self.state = Path(tempfile.mkdtemp(prefix="superset-bench-"))
        self.state.chmod(0o755)  # as root, PostgreSQL runs as an unprivileged user who must reach it
        ports = Ports(web=free_port(), postgres=free_port(), redis=free_port())
        self.twin = Twin(TwinOptions(state_dir=self.state / "twin", runtime=runtime, ports=ports))
        self.webs: dict[int, int] = {}  # port -> pid
        self.postgres_pid: int | None = None

    def up(self) -> dict[str, object]:
        self.twin.up(progress=lambda step: self.log(f"twin: {step}"))
        self.log("seeding the analytics database, six charts and a dashboard")
        fixture = seed(self.twin)
        # the benchmark starts its own web servers: the twin's would compete for the CPU
        stop(self.twin.state()["processes"]["web"], timeout_seconds=40)
        self.postgres_pid = self.twin.state()["processes"]["postgres"]
        return fixture

    def start_web(self, variant: WebVariant, port: int | None = None) -> str:
        port = port or free_port()
        environment = {
            **self.twin.process_environment(),
            "SUPERSET_CONFIG_PATH": str(variant.config),
            "SUPERSET_PORT": str(port),
            "SERVER_WORKER_AMOUNT": str(variant.workers),
            "SERVER_THREADS_AMOUNT": str(variant.threads),
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        }
        python = self.twin.options.runtime / "bin" / "python"
        argv = (
            stock_gunicorn_argv(python, port, variant.workers, variant.threads)
            if variant.stock_gunicorn
            else [str(python), "-m", "superset_stack.runtime.entrypoint", "web"]
        )
        log_file = self.web_log(port)
        pid = start(argv, log_file=log_file, env=environment, cwd=self.state)
        self.webs[port] = pid
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: _healthy(url), timeout_seconds=180, what=f"{variant.name} web", pid=pid, log_file=log_file
        )
        return url

    def web_log(self, port: int) -> Path:
        return self.state / "logs" / f"web-{port}.log"

    def stop_webs(self) -> None:
        for pid in self.webs.values():
            stop(pid, timeout_seconds=40)
        self.webs.clear()

    def server_cpu_seconds(self) -> float:
        """CPU time so far of every web server process (masters and workers)."""
        total = 0.0
        for pid in self.webs.values():
            try:
                process = psutil.Process(pid)
                for member in [process, *process.children(recursive=True)]:
                    times = member.cpu_times()
                    total += times.user + times.system + times.children_user + times.children_system
            except psutil.NoSuchProcess:
                continue
        return total

    def restart_postgres(self, max_connections: int) -> None:
        stop(self.postgres_pid, sig=signal.SIGINT, timeout_seconds=60)
        server = dataclasses.replace(self.twin.postgres(), max_connections=max_connections)
        self.postgres_pid = server.start()

    def close(self) -> None:
        self.stop_webs()
        processes = self.twin.state().get("processes", {})
        processes["postgres"] = self.postgres_pid
        for name, pid in processes.items():
            stop(pid, sig=signal.SIGINT if name == "postgres" else signal.SIGTERM, timeout_seconds=60)
        shutil.rmtree(self.state, ignore_errors=True)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def run_locust(
    classes: Sequence[str],
    *,
    users: int,
    seconds: int,
    host: str,
    fixture: Path,
    prefix: Path,
    hosts: Sequence[str] = (),
) -> Path:
    """One headless locust run; the path of its statistics CSV."""
    argv = [
        str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(users), "--run-time", f"{seconds}s", "--host", host,
        "--csv", str(prefix), "--reset-stats", "--only-summary", "--stop-timeout", "10",
        "--exit-code-on-error", "0", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    environment = {**os.environ, "BENCH_FIXTURE": str(fixture), "BENCH_HOSTS": ",".join(hosts)}
    result = subprocess.run(
        argv, env=environment, capture_output=True, text=True, timeout=seconds + 180, check=False
    )
    stats = prefix.with_name(prefix.name + "_stats.csv")
    if result.returncode != 0 or not stats.exists():
        raise RuntimeError(f"locust failed ({result.returncode}): {result.stderr[-2000:]}")
    return stats


def warm_up(url: str, fixture: dict[str, object]) -> None:
    """One request per chart, so a cache (if the variant has one) holds every result."""
    from benchmarks.client import Api

    login = fixture["login"]
    assert isinstance(login, dict)
    api = Api.login(url, login["username"], login["password"])
    charts = fixture["charts"]
    assert isinstance(charts, list)
    for chart in charts:
        response = api.session.post(f"{url}/api/v1/chart/data", json=chart["query_context"], timeout=60)
        response.raise_for_status()


def throughput(
    bench: Bench, fixture_path: Path, fixture: dict[str, object], levels: Sequence[int], seconds: int
) -> list[Measurement]:
    measurements = []
    for variant in (STOCK, TUNED):
        url = bench.start_web(variant)
        warm_up(url, fixture)
        for scenario, (user_class, request_name) in SCENARIOS.items():
            for users in levels:
                bench.log(f"{variant.name}: {scenario}, {users} users, {seconds} s")
                before = bench.server_cpu_seconds()
                prefix = bench.state / "locust" / f"{variant.name}-{scenario.replace(' ', '-')}-{users}"
                prefix.parent.mkdir(parents=True, exist_ok=True)
                path = run_locust(
                    [user_class], users=users, seconds=seconds, host=url, fixture=fixture_path, prefix=prefix
                )
                stats = report.read_locust_stats(path, request_name)
                cpu = bench.server_cpu_seconds() - before
                requests = int(stats["requests"])
                measurements.append(
                    Measurement(
                        variant.name,
                        scenario,
                        users,
                        requests,
                        int(stats["failures"]),
                        stats["requests_per_second"],
                        stats["p50_ms"],
                        stats["p95_ms"],
                        stats["p99_ms"],
                        1000 * cpu / requests if requests else 0.0,
                    )
                )
        bench.stop_webs()
    return measurements


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
            run_locust(
                ["ChartData", "Dashboard"],
                users=users,
                seconds=seconds,
                host=urls[0],
                fixture=fixture_path,
                prefix=prefix,
                hosts=urls,
            )
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


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match[1].strip() if match else cpu
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def versions(bench: Bench) -> dict[str, str]:
    python = bench.twin.options.runtime / "bin" / "python"
    script = (
        "from importlib.metadata import version as v; "
        "print(v('apache-superset'), v('gunicorn'), v('SQLAlchemy'), v('redis'), v('celery'))"
    )
    superset, gunicorn, sqlalchemy, redis_py, celery = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    postgres = subprocess.run(
        [str(bench.twin.postgres().bin_dir / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    redis_server = subprocess.run(
        [str(bench.twin.redis().binary), "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[2]
    from importlib.metadata import version

    return {
        "Superset": superset,
        "gunicorn": gunicorn,
        "SQLAlchemy": sqlalchemy,
        "redis-py": redis_py,
        "Celery": celery,
        "PostgreSQL": postgres,
        "Redis server": redis_server,
        "locust": version("locust"),
    }


app = typer.Typer(add_completion=False)


@app.command()
def main(
    levels: Annotated[str, typer.Option(help="Concurrent users per run, comma-separated.")] = "1,5,20,50",
    seconds: Annotated[int, typer.Option(help="Length of each measured run.")] = 20,
    budget_users: Annotated[int, typer.Option(help="Users in the connection-budget runs.")] = 150,
    out: Annotated[Path, typer.Option(help="The Markdown file to rewrite.")] = ROOT
    / "docs"
    / "benchmarks.md",
    runtime: Annotated[Path, typer.Option(help="The Superset runtime virtualenv.")] = ROOT / ".venv-superset",
) -> None:
    """Run every benchmark and rewrite docs/benchmarks.md."""
    counts = [int(level) for level in levels.split(",")]
    if not counts or min(counts) < 1:
        raise typer.BadParameter(f"levels must be positive integers, got {levels!r}")
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    bench = Bench(runtime, log)
    try:
        fixture = bench.up()
        fixture_path = bench.state / "fixture.json"
        fixture_path.write_text(json.dumps(fixture))
        measured = throughput(bench, fixture_path, fixture, counts, seconds)
        budget = connection_budget(bench, fixture_path, budget_users, seconds)
        context = {"machine": machine(), "versions": versions(bench)}
    finally:
        bench.close()
    command = "make bench" if not sys.argv[1:] else f"python -m benchmarks.run {shlex.join(sys.argv[1:])}"
    write_report(
        out, measured, budget, context, command=command, seconds=seconds, elapsed=time.monotonic() - started
    )
    log(f"wrote {out}")


def write_report(
    out: Path,
    measured: Sequence[Measurement],
    budget: Sequence[BudgetResult],
    context: dict[str, dict[str, str]],
    *,
    command: str,
    seconds: int,
    elapsed: float,
) -> None:
    from benchmarks.plot import chart_data_plot

    picture = out.with_name("benchmarks-chart-data.svg")
    chart_data_plot(measured, picture)
    text = report.document(
        measured,
        [dataclasses.asdict(b) for b in budget],
        context,
        command=command,
        seconds=seconds,
        elapsed_seconds=elapsed,
        picture=picture.name,
        date=datetime.date.today().isoformat(),
    )
    out.write_text(text)


if __name__ == "__main__":
    app()
