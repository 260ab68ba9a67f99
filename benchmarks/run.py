"""One command for the whole benchmark: `make bench` (or `python -m benchmarks.run`).

Starts a throw-away local twin (PostgreSQL, Redis, Celery worker and beat), seeds a dashboard, and
then, one after the other on the same machine:

1. throughput: each scenario at each concurrency level against stock Superset settings and against
   ours (locust, headless, closed loop);
2. failures under load: Redis stopped, PostgreSQL restarted and a web worker killed while users
   keep asking, errors counted before, during and after (ours; PostgreSQL also against stock);
3. the connection budget: PostgreSQL restarted with db.t3.micro's max_connections, several web
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
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import psutil
import typer

from benchmarks import report
from benchmarks.bench import ROOT, STOCK, TUNED, Bench, elapsed_log, warm_up
from benchmarks.budget import connection_budget
from benchmarks.load import LocustRun
from benchmarks.outages import outages
from benchmarks.report import Measurement
from benchmarks.request_cost import request_cost

# scenario -> (locust user class, the request name whose figures are reported)
SCENARIOS: dict[str, tuple[str, str]] = {
    "chart data": ("ChartData", "chart data"),
    "dashboard viewers": ("DashboardViewer", "chart data"),
    "login": ("Login", "login"),
    "explore": ("Explore", "explore"),
    "dashboard": ("Dashboard", "dashboard"),
}
# Dashboard viewers reload every 10 s: six cycles each, so that the latency target is judged on
# hundreds of requests, not on two reloads per viewer.
VIEWER_SECONDS = 60


def throughput(
    bench: Bench, fixture_path: Path, fixture: dict[str, object], levels: Sequence[int], seconds: int
) -> list[Measurement]:
    measurements = []
    for variant in (STOCK, TUNED):
        url = bench.start_web(variant)
        warm_up(url, fixture)
        for scenario, (user_class, request_name) in SCENARIOS.items():
            for users in levels:
                run_seconds = VIEWER_SECONDS if scenario == "dashboard viewers" else seconds
                bench.log(f"{variant.name}: {scenario}, {users} users, {run_seconds} s")
                before = bench.server_cpu_seconds()
                prefix = bench.state / "locust" / f"{variant.name}-{scenario.replace(' ', '-')}-{users}"
                prefix.parent.mkdir(parents=True, exist_ok=True)
                path = LocustRun(
                    classes=[user_class],
                    users=users,
                    seconds=run_seconds,
                    host=url,
                    fixture=fixture_path,
                    prefix=prefix,
                ).run()
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
    ).stdout.split()[-1]  # "postgres (PostgreSQL) 16.2"
    redis_server = (
        subprocess.run(
            [str(bench.twin.redis().binary), "--version"], capture_output=True, text=True, check=True
        )
        .stdout.split()[2]
        .removeprefix("v=")
    )  # "Redis server v=6.2.14 sha=..."
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
    *,
    levels: Annotated[str, typer.Option(help="Concurrent users per run, comma-separated.")] = "1,5,20,50",
    seconds: Annotated[int, typer.Option(help="Length of each measured run.")] = 20,
    budget_users: Annotated[int, typer.Option(help="Users in the connection-budget runs.")] = 150,
    out: Annotated[
        Path, typer.Option(help="The Markdown file to rewrite (raw results beside it, .json).")
    ] = (ROOT / "docs" / "benchmarks.md"),
    runtime: Annotated[Path, typer.Option(help="The Superset runtime virtualenv.")] = ROOT / ".venv-superset",
    render_only: Annotated[
        bool, typer.Option(help="Only rewrite the Markdown and plot from the .json.")
    ] = False,
) -> None:
    """Run every benchmark and rewrite docs/benchmarks.md."""
    raw = out.with_suffix(".json")
    if render_only:
        render(json.loads(raw.read_text()), out)
        return
    counts = [int(level) for level in levels.split(",")]
    if not counts or min(counts) < 1:
        raise typer.BadParameter(f"levels must be positive integers, got {levels!r}")
    started = time.monotonic()
    log = elapsed_log()
    bench = Bench(runtime, log)
    try:
        fixture, fixture_path = bench.seeded()
        measured = throughput(bench, fixture_path, fixture, counts, seconds)
        costs = request_cost(bench, fixture_path)
        broken = outages(bench, fixture_path, fixture)
        budget = connection_budget(bench, fixture_path, budget_users, seconds)
        context = {"machine": machine(), "versions": versions(bench)}
    finally:
        bench.close()
    results = {
        "command": "make bench"
        if not sys.argv[1:]
        else f"python -m benchmarks.run {shlex.join(sys.argv[1:])}",
        "date": datetime.date.today().isoformat(),
        "seconds": seconds,
        "viewer_seconds": VIEWER_SECONDS,
        "elapsed_seconds": round(time.monotonic() - started),
        "context": context,
        "measurements": [dataclasses.asdict(m) for m in measured],
        "outages": [dataclasses.asdict(o) for o in broken],
        "budget": [dataclasses.asdict(b) for b in budget],
        "request_cost": [dataclasses.asdict(c) for c in costs],
    }
    raw.write_text(json.dumps(results, indent=1) + "\n")
    render(results, out)
    log(f"wrote {out} and {raw}")


def render(results: dict[str, Any], out: Path, *, plot: bool = True) -> None:
    """docs/benchmarks.md and (unless `plot` is off: matplotlib is a bench extra) its plot from the
    raw results."""
    measured = [Measurement(**m) for m in results["measurements"]]
    picture = out.with_name("benchmarks-chart-data.svg")
    if plot:
        from benchmarks.plot import chart_data_plot

        chart_data_plot(measured, picture)
    profiled = out.with_name("benchmarks-profile.json")  # benchmarks/profile.py, run on its own
    out.write_text(report.document(
        measured, results["budget"], results["outages"], results["context"],
        request_costs=results.get("request_cost", []), viewer_seconds=results.get("viewer_seconds"),
        profile=json.loads(profiled.read_text()) if profiled.exists() else None,
        command=results["command"],
        seconds=results["seconds"], elapsed_seconds=results["elapsed_seconds"], picture=picture.name,
        date=results["date"],
    ))  # fmt: skip


if __name__ == "__main__":
    app()
