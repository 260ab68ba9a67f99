"""`python -m benchmarks.profile`: where a cached chart-data request's CPU goes, and what each change saves.

Starts a throw-away twin as `make bench` does (benchmarks/bench.py), then:

1. in process (request_cost_probe.py, no HTTP server): each of STEPS, the runtime before issue 20
   and then with each change added in turn, ROUNDS interleaved rounds; CPU ms and metadata-database
   statements per request, the median round;
2. in process, for each step: where the CPU goes, by layer (sampler.py: the
   process is sampled every 0.5 ms of its CPU time; layers.py);
3. through gunicorn as our entrypoint starts it, with one worker and one thread and one client
   asking one request after another: the web process's CPU per request, the same requests as in
   process. The difference is gunicorn's own work: reading the request, writing the answer, the
   access-log line and our event-log lines (which the in-process probe does not write).

Writes docs/benchmarks-profile.json, which docs/benchmarks.md renders (report.py), so a later
`make bench` keeps the section. The machine may be busy: CPU time per request is what is compared,
and wall-clock time is not reported.
"""

from __future__ import annotations

import datetime
import json
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import requests
import typer

from benchmarks.bench import CONFIGS, ROOT, Bench, WebVariant, elapsed_log, warm_up
from benchmarks.layers import by_layer
from benchmarks.request_cost import run_probe
from benchmarks.run import render

ROUNDS = 3
HTTP_REQUESTS = 360  # per round: as many as the in-process probe asks


@dataclass(frozen=True)
class Step:
    """One configuration of the ladder: what it adds to the previous one, and its module."""

    name: str
    config: str
    change: str


STEPS: tuple[Step, ...] = (
    Step("before", "no_snapshot_cache_config.py", "our runtime before issue 20: Superset's lookups"),
    Step("user snapshots", "user_snapshots_config.py", "the user, roles, groups, permissions and row-level "
         "security filters from a snapshot per user (security_manager.py, snapshot_cache.py)"),
    Step("dataset snapshots", "tuned_config.py", "the dataset, columns, metrics and database from a "
         "snapshot per dataset (dataset_snapshots.py): no statement left"),
)  # fmt: skip


def in_process(bench: Bench, fixture_path: Path) -> list[dict[str, Any]]:
    """STEPS' CPU ms and statements per request (median of ROUNDS interleaved rounds), and each
    one's layers (one more run, sampled)."""
    results: dict[str, list[dict[str, float]]] = {step.name: [] for step in STEPS}
    for round_number in range(1, ROUNDS + 1):
        for step in STEPS:
            bench.log(f"in process, round {round_number}: {step.name}")
            results[step.name].append(run_probe(bench, fixture_path, step.config))
    measured = []
    for step in STEPS:
        rounds = results[step.name]
        entry: dict[str, Any] = {
            "step": step.name,
            "change": step.change,
            "config": step.config,
            "requests": int(sum(r["requests"] for r in rounds)),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rounds),
            "statements": statistics.median(r["statements"] for r in rounds),
        }
        bench.log(f"in process, sampled: {step.name}")
        with tempfile.NamedTemporaryFile(suffix=".json") as stacks:
            run_probe(bench, fixture_path, step.config, profile=Path(stacks.name))
            entry["layers"] = by_layer(json.loads(Path(stacks.name).read_text()))
        measured.append(entry)
    return measured


def through_gunicorn(bench: Bench, fixture: dict[str, Any], step: Step) -> float:
    """CPU ms per cached chart-data request of one gunicorn worker with one thread, median round."""
    variant = WebVariant(step.name, CONFIGS / step.config, workers=1, threads=1, stock_gunicorn=False)
    url = bench.start_web(variant)
    try:
        warm_up(url, fixture)
        session = requests.Session()
        login = session.post(f"{url}/api/v1/security/login", json=fixture["login"], timeout=60)
        login.raise_for_status()
        session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        charts = [chart["query_context"] for chart in fixture["charts"]]
        rounds = []
        for _ in range(ROUNDS):
            before = bench.server_cpu_seconds()
            for number in range(HTTP_REQUESTS):
                # as if from many clients: one would meet the default limit of 50 requests a second
                address = {"X-Forwarded-For": f"10.1.{number // 250}.{number % 250 + 1}"}
                response = session.post(
                    f"{url}/api/v1/chart/data", json=charts[number % len(charts)], headers=address, timeout=60
                )
                response.raise_for_status()
            rounds.append(1000 * (bench.server_cpu_seconds() - before) / HTTP_REQUESTS)
        return statistics.median(rounds)
    finally:
        bench.stop_webs()


app = typer.Typer(add_completion=False)


@app.command()
def main(
    *,
    out: Annotated[Path, typer.Option(help="Where to write the results.")] = ROOT
    / "docs"
    / "benchmarks-profile.json",
    runtime: Annotated[Path, typer.Option(help="The Superset runtime virtualenv.")] = ROOT / ".venv-superset",
) -> None:
    """Profile the cached chart-data request and measure each change; writes docs/benchmarks-profile.json."""
    log = elapsed_log()
    bench = Bench(runtime, log)
    results: dict[str, Any] = {
        "command": "python -m benchmarks.profile",
        "date": datetime.date.today().isoformat(),
        "rounds": ROUNDS,
        "http_requests": HTTP_REQUESTS,
    }
    try:
        fixture, fixture_path = bench.seeded()
        results["steps"] = in_process(bench, fixture_path)
        out.write_text(json.dumps(results, indent=1) + "\n")  # kept should gunicorn's part fail
        http = _through_gunicorn_each(bench, fixture, log)
    finally:
        bench.close()
    for entry in results["steps"]:
        entry["http_cpu_ms"] = http.get(entry["step"])
    out.write_text(json.dumps(results, indent=1) + "\n")
    benchmarks_md = out.with_name("benchmarks.md")
    render(json.loads(benchmarks_md.with_suffix(".json").read_text()), benchmarks_md, plot=False)
    log(f"wrote {out} and the section of {benchmarks_md} it feeds")


def _through_gunicorn_each(
    bench: Bench, fixture: dict[str, Any], log: Callable[[str], None]
) -> dict[str, float]:
    measured = {}
    for step in (STEPS[0], STEPS[-1]):
        log(f"through gunicorn: {step.name}")
        measured[step.name] = through_gunicorn(bench, fixture, step)
    return measured


if __name__ == "__main__":
    app()
