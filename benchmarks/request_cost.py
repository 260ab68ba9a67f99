"""Where a cached chart-data request's server time goes: our runtime against two of Superset's defaults.

Each configuration runs benchmarks/request_cost_probe.py in the Superset runtime, in process (no
HTTP server, no locust), on the benchmark's twin; ROUNDS rounds, interleaved so that drift on the
machine touches every configuration alike; the median of the rounds is reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench import CONFIGS, ROOT, Bench

ROUNDS = 3
PROBE = Path(__file__).with_name("request_cost_probe.py")
# (what differs from our runtime, configuration module)
VARIANTS: tuple[tuple[str, str], ...] = (
    ("Superset's event logger and security manager", "db_event_log_config.py"),
    ("Superset's security manager", "public_lookup_config.py"),
    ("ours without the snapshot cache", "no_snapshot_cache_config.py"),
    ("ours", "tuned_config.py"),
)


@dataclass(frozen=True)
class RequestCost:
    variant: str
    rounds: int
    requests: int
    statements: float
    cpu_ms: float
    wall_ms: float


def run_probe(bench: Bench, fixture_path: Path, config: str, profile: Path | None = None) -> dict[str, float]:
    """One run of request_cost_probe.py with a configuration module from benchmarks/configs/; with
    `profile`, the sampled stacks are written there."""
    python = bench.twin.options.runtime / "bin" / "python"
    environment = {
        **bench.twin.process_environment(),
        "SUPERSET_CONFIG_PATH": str(CONFIGS / config),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
    }
    probe = subprocess.run(
        [str(python), str(PROBE), str(fixture_path), *([str(profile)] if profile else [])],
        env=environment, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    lines = [line for line in probe.stdout.splitlines() if line.startswith("{")]
    if probe.returncode != 0 or not lines:
        raise RuntimeError(f"request-cost probe for {config} failed:\n{probe.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1])
    return result


def request_cost(bench: Bench, fixture_path: Path) -> list[RequestCost]:
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _ in VARIANTS}
    for round_number in range(1, ROUNDS + 1):
        for name, config in VARIANTS:
            bench.log(f"request cost, round {round_number}: {name}")
            rounds[name].append(run_probe(bench, fixture_path, config))
    return [
        RequestCost(
            variant=name,
            rounds=len(results),
            requests=int(sum(r["requests"] for r in results)),
            statements=statistics.median(r["statements"] for r in results),
            cpu_ms=statistics.median(r["cpu_ms"] for r in results),
            wall_ms=statistics.median(r["wall_ms"] for r in results),
        )
        for name, results in rounds.items()
    ]
