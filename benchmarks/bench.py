"""The benchmark's servers: a throw-away twin, and web servers of each variant started on top of it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.client import Api
from benchmarks.seed import seed
from superset_stack.local.processes import free_port, start, stop, wait_until
from superset_stack.local.twin import Ports, Twin, TwinOptions

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).with_name("configs")


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
        ports = Ports(web=free_port(), postgres=free_port(), redis=free_port(), smtp=free_port())
        self.twin = Twin(TwinOptions(state_dir=self.state / "twin", runtime=runtime, ports=ports))
        self.webs: dict[int, int] = {}  # port -> pid

    def seeded(self) -> tuple[dict[str, object], Path]:
        """up(), and the fixture also in a file (what locust and the request-cost probe read)."""
        fixture = self.up()
        path = self.state / "fixture.json"
        path.write_text(json.dumps(fixture))
        return fixture, path

    def up(self) -> dict[str, object]:
        self.twin.up(progress=lambda step: self.log(f"twin: {step}"))
        self.log("seeding the analytics database, six charts and a dashboard")
        fixture = seed(self.twin)
        # the benchmark starts its own web servers: the twin's would compete for the CPU
        stop(self.twin.state()["processes"]["web"], timeout_seconds=40)
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
        self.twin.stop_store("postgres")
        self.twin.start_store("postgres", postgres_max_connections=max_connections)

    def close(self) -> None:
        self.stop_webs()
        processes = self.twin.state().get("processes", {})
        for name, pid in processes.items():
            stop(pid, sig=signal.SIGINT if name == "postgres" else signal.SIGTERM, timeout_seconds=60)
        shutil.rmtree(self.state, ignore_errors=True)


def elapsed_log() -> Callable[[str], None]:
    """A progress printer: each line with the seconds since it was made."""
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    return log


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def warm_up(url: str, fixture: dict[str, object]) -> None:
    """One request per chart, so a cache (if the variant has one) holds every result."""

    login = fixture["login"]
    assert isinstance(login, dict)
    api = Api.login(url, login["username"], login["password"])
    charts = fixture["charts"]
    assert isinstance(charts, list)
    for chart in charts:
        response = api.session.post(f"{url}/api/v1/chart/data", json=chart["query_context"], timeout=60)
        response.raise_for_status()
