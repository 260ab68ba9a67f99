"""Benchmark results: reading locust's statistics, and docs/benchmarks.md from the measurements."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.profile_report import profile_section

RATIO_SCENARIO, RATIO_USERS = "chart data", 20
# latency is judged where users behave like people: paced dashboard viewers, not a closed loop
LATENCY_SCENARIO = "dashboard viewers"
TARGET_RATIO = 2.0
TARGET_P95_MS = 150
# issue 20: cached chart data at 20 users, closed loop, on the 2-core benchmark machine
TARGET_REQUESTS_PER_SECOND = 100
# Superset's RATELIMIT_APPLICATION, which our runtime keeps: requests a second per client address
APPLICATION_LIMIT_PER_SECOND = 50


@dataclass(frozen=True)
class Measurement:
    """One locust run: a variant of the server, a scenario, a number of concurrent users."""

    variant: str
    scenario: str
    users: int
    requests: int
    failures: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_request: float


def read_locust_stats(path: Path, name: str) -> dict[str, float]:
    """The figures of the requests called `name` in a locust `<prefix>_stats.csv`."""
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] == name]
    if not rows:
        raise ValueError(f"{path} has no requests named {name!r}")
    (row,) = rows
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "requests_per_second": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def read_locust_totals(path: Path) -> tuple[int, int]:
    """Requests and failures of every request a locust run made, logins included."""
    with path.open(newline="") as handle:
        aggregated = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return int(aggregated["Request Count"]), int(aggregated["Failure Count"])


def read_locust_history(path: Path) -> list[tuple[float, int, int]]:
    """(unix time, requests so far, failures so far), once a second, from `<prefix>_stats_history.csv`."""
    with path.open(newline="") as handle:
        return [
            (float(row["Timestamp"]), int(row["Total Request Count"]), int(row["Total Failure Count"]))
            for row in csv.DictReader(handle)
            if row["Name"] == "Aggregated"
        ]


def window(history: Sequence[tuple[float, int, int]], start: float, end: float) -> tuple[int, int]:
    """Requests and failures counted from `start` to `end`.

    locust stamps each once-a-second row with the whole second it was written in, so a row stamped
    s may hold requests up to s + 1: only rows stamped at least a second before a moment are
    certain to have been counted by then.
    """

    def totals_at(moment: float) -> tuple[int, int]:
        seen = [(requests, failures) for stamp, requests, failures in history if stamp + 1 <= moment]
        return seen[-1] if seen else (0, 0)

    (requests_start, failures_start), (requests_end, failures_end) = totals_at(start), totals_at(end)
    return requests_end - requests_start, failures_end - failures_start


def ratio(measurements: Sequence[Measurement]) -> float | None:
    """Tuned over stock throughput of cached chart data at 20 users (None when not measured)."""
    found = {m.variant: m for m in measurements if (m.scenario, m.users) == (RATIO_SCENARIO, RATIO_USERS)}
    if "tuned" not in found or "stock" not in found or not found["stock"].requests_per_second:
        return None
    return found["tuned"].requests_per_second / found["stock"].requests_per_second


def throughput_table(measurements: Sequence[Measurement]) -> str:
    rows = [
        "| Scenario | Users | Variant | Requests/s | p50 ms | p95 ms | p99 ms | Errors "
        "| Server CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in sorted(measurements, key=lambda m: (m.scenario, m.users, m.variant)):
        errors = f"{m.failures} of {m.requests}"
        rows.append(
            f"| {m.scenario} | {m.users} | {m.variant} | {m.requests_per_second:.1f} | {m.p50_ms:.0f} | "
            f"{m.p95_ms:.0f} | {m.p99_ms:.0f} | {errors} | {m.server_cpu_ms_per_request:.1f} |"
        )
    return "\n".join(rows)


def failed_runs(measurements: Sequence[Measurement], seconds: int) -> list[str]:
    """Each tuned closed-loop run with failures, and the requests it answered per user and second
    beside the application limit per client address (each simulated user is one address)."""
    lines = []
    for m in sorted(measurements, key=lambda m: (m.scenario, m.users)):
        if m.variant != "tuned" or not m.failures or m.scenario == LATENCY_SCENARIO:
            continue
        answered = (m.requests - m.failures) / m.users / seconds
        lines.append(
            f"- {m.scenario}, {m.users} users: {m.failures} of {m.requests} failed; each user was answered "
            f"{answered:.1f} requests a second, against an application limit of "
            f"{APPLICATION_LIMIT_PER_SECOND} per client address (Superset's RATELIMIT_APPLICATION)."
        )
    if lines:
        lines.insert(0, "")
        lines.insert(1, "Tuned runs with failures (a client faster than the limit is refused: 429):")
        lines.insert(2, "")
    return lines


def targets(measurements: Sequence[Measurement]) -> list[str]:
    """The issue's targets, each with the measured value and whether it was met."""
    lines = []
    measured = ratio(measurements)
    if measured is not None:
        met = "met" if measured >= TARGET_RATIO else "NOT met"
        lines.append(
            f"- Cached chart-data throughput, tuned over stock at {RATIO_USERS} users: "
            f"{measured:.2f}x (target {TARGET_RATIO:g}x: {met})."
        )
    for m in measurements:
        if (m.variant, m.scenario, m.users) == ("tuned", RATIO_SCENARIO, RATIO_USERS):
            met = "met" if m.requests_per_second >= TARGET_REQUESTS_PER_SECOND else "NOT met"
            lines.append(
                f"- Tuned cached chart-data throughput at {RATIO_USERS} users: {m.requests_per_second:.1f} "
                f"requests/s, {m.server_cpu_ms_per_request:.1f} ms server CPU each "
                f"(target at least {TARGET_REQUESTS_PER_SECOND} requests/s: {met})."
            )
    for scenario in (LATENCY_SCENARIO, RATIO_SCENARIO):
        for m in measurements:
            if (m.variant, m.scenario, m.users) == ("tuned", scenario, RATIO_USERS):
                met = "met" if m.p95_ms < TARGET_P95_MS else "NOT met"
                lines.append(
                    f"- Tuned chart-data p95 at {RATIO_USERS} users, {scenario}: {m.p95_ms:.0f} ms "
                    f"(target under {TARGET_P95_MS} ms: {met})."
                )
    errors = sum(m.failures for m in measurements if m.variant == "tuned")
    lines.append(f"- Errors in all tuned runs: {errors} (target 0: {'met' if errors == 0 else 'NOT met'}).")
    return lines


def little(measurements: Sequence[Measurement]) -> list[str]:
    """Why closed-loop latency grows with users: N requests always in flight wait N / throughput."""
    for m in measurements:
        if (m.variant, m.scenario, m.users) == (
            "tuned",
            RATIO_SCENARIO,
            RATIO_USERS,
        ) and m.requests_per_second:
            wait_ms = 1000 * m.users / m.requests_per_second
            return [
                f"In the closed loop, {m.users} users keep {m.users} requests in flight, so at "
                f"{m.requests_per_second:.1f} requests/s each one spends about {wait_ms:.0f} ms in the "
                "system (Little's law) whatever the settings: latency there measures the queue, and the "
                "dashboard-viewers rows show what people with a dashboard open wait.",
                "",
            ]
    return []


def outage_table(results: Sequence[dict[str, object]]) -> str:
    rows = [
        "| Failure | Variant | Users (scenario) | Failed before | Failed while broken | Failed after |",
        "|---|---|---|---|---|---|",
    ]

    def cell(counts: object) -> str:
        assert isinstance(counts, tuple | list)
        requests, failures = counts
        return f"{failures} of {requests}"

    for r in results:
        windows = " | ".join(cell(r[name]) for name in ("before", "during", "after"))
        rows.append(f"| {r['failure']} | {r['variant']} | {r['users']} ({r['scenario']}) | {windows} |")
    return "\n".join(rows)


def request_cost_section(costs: Sequence[dict[str, object]]) -> list[str]:
    """What each of our runtime changes saves on one cached chart-data request (request_cost.py)."""
    if not costs:
        return ["Not measured in this run.", ""]
    rows = [
        "| Configuration | Database statements per request | Server CPU (ms) | Time (ms) |",
        "|---|---|---|---|",
    ]
    for c in costs:
        rows.append(f"| {c['variant']} | {c['statements']:.0f} | {c['cpu_ms']:.1f} | {c['wall_ms']:.1f} |")
    return [
        "Our runtime in one process, without an HTTP server or locust, against the same runtime with",
        "Superset's own event logger (a database row and commit per logged API call: three per",
        "chart-data request) and security manager (the Public role loaded on every protected",
        "request), and without the snapshot cache (users, permissions and datasets looked up on every",
        "request). Each answers the dashboard's six charts from the cache "
        f"{costs[0]['requests']} times over {costs[0]['rounds']}",
        "interleaved rounds; the median round is shown",
        "(benchmarks/request_cost.py). Our event logger sends API-call events to the process log",
        "(src/superset_stack/runtime/event_logger.py); our security manager answers that nothing is",
        "public without asking the database (src/superset_stack/runtime/security_manager.py); the",
        "snapshot cache is src/superset_stack/runtime/snapshot_cache.py (next section).",
        "",
        *rows,
        "",
    ]


def budget_table(results: Sequence[dict[str, object]]) -> str:
    rows = [
        "| Pool settings | Web servers x workers x threads | max_connections | Peak connections | Requests "
        "| Failed requests | 'too many clients' in the logs |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['pool']} | {r['servers']} x {r['workers']} x {r['threads']} | {r['max_connections']} | "
            f"{r['peak_connections']} | {r['requests']} | {r['failures']} | {r['connection_errors']} |"
        )
    return "\n".join(rows)


def document(
    measurements: Sequence[Measurement],
    budget: Sequence[dict[str, object]],
    outages: Sequence[dict[str, object]],
    context: dict[str, dict[str, str]],
    *,
    request_costs: Sequence[dict[str, object]] = (),
    profile: dict[str, Any] | None = None,
    viewer_seconds: int | None = None,
    command: str,
    seconds: int,
    elapsed_seconds: float,
    picture: str,
    date: str,
) -> str:
    """docs/benchmarks.md: method, machine, versions, results, targets and the ratio line."""
    measured = ratio(measurements)
    machine = context["machine"]
    versions = ", ".join(f"{name} {value}" for name, value in context["versions"].items())
    out = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` on {date} in {elapsed_seconds / 60:.0f} minutes; do not edit by hand,",
        "run it again. Nothing here is asserted in tests: these are measurements.",
        "",
        "## Machine and versions",
        "",
        f"- Machine: {machine['cpu']}, {machine['memory']}, {machine['os']}, Python {machine['python']}.",
        f"- Versions: {versions}.",
        "- Everything runs on this one machine: PostgreSQL, Redis, the Celery worker and beat, the web",
        "  server under test and locust itself, which takes part of the same cores.",
        "",
        "## Method",
        "",
        "- A throw-away local twin: PostgreSQL and Redis on loopback, bootstrapped as on ECS. An",
        "  analytics database on the same PostgreSQL holds a 20,000-row sales table; six charts group it",
        "  into 1 to 1,000 rows; one dashboard holds them (benchmarks/seed.py).",
        "- Two web servers, measured one after the other with nothing else under load:",
        "  - **stock**: Superset's own defaults. gunicorn as `docker/entrypoints/run-server.sh` starts",
        "    it (1 gthread worker x 20 threads, timeout 60, keep-alive 2) and a config with only the",
        "    database URI and SECRET_KEY: chart data on `NullCache`, SQLAlchemy's default pool;",
        "  - **tuned**: our runtime exactly as deployed (src/superset_stack/runtime/superset_config.py:",
        "    Redis caches, pool from the thread count, pre-ping, rate limits on Redis, API-call events",
        "    to the process log instead of a database row each), gunicorn as our",
        "    entrypoint starts it with the dev preset's 2 workers x 4 threads. Proxy headers are trusted",
        "    as behind the ALB, so each simulated user has its own address (benchmarks/configs/).",
        "- Before measuring, one request per chart (which fills the tuned server's cache).",
        "- locust, headless, closed loop (no think time), all users started at once, statistics reset",
        f"  once they are; each run lasts {seconds} s"
        + (f", the dashboard viewers' {viewer_seconds} s" if viewer_seconds else "")
        + ". Scenarios (benchmarks/locustfile.py):",
        "  - **chart data**: the six charts' data, one after the other, with no pause: the throughput",
        "    test (the ratio below);",
        "  - **dashboard viewers**: people with the dashboard open, each loading it (its definition,",
        "    charts and datasets, then the six charts' data) every 10 seconds; each logs in and starts",
        "    at its own point of the cycle, spread evenly (viewers do not arrive in lockstep); the",
        "    latency target is judged here, on the chart-data requests;",
        "  - **login**: logging in through the API, once a second per user, each time from a new",
        "    address (the runtime allows 10 password attempts a minute per address);",
        "  - **explore**: the explore API for each chart; **dashboard**: the dashboard, its charts and",
        "    its datasets, with no pause.",
        "- Latencies are locust's, in milliseconds. Server CPU is the web server processes' CPU time",
        "  divided by the requests they served.",
        "",
        "## Throughput and latency",
        "",
        f"tuned/stock ratio: {measured:.2f}" if measured is not None else "tuned/stock ratio: not measured",
        "",
        f"![Cached chart data by concurrency]({picture})",
        "",
        throughput_table(measurements),
        "",
        *little(measurements),
        "## Server time per cached chart-data request",
        "",
        *request_cost_section(request_costs),
        "## Where a cached chart-data request's CPU goes, and what each change saved",
        "",
        *profile_section(profile),
        "## Targets",
        "",
        *targets(measurements),
        *failed_runs(measurements, seconds),
        "",
        "## Failures under load",
        "",
        "Users keep asking while something breaks: 15 s normal (5 s of them logging in), 10 s broken,",
        "then 20 s after it is back. Counts come from locust's once-a-second totals, so the broken",
        "window is counted until a second after the repair, and everything after that is *after*",
        "(docs/failure-behaviour.md says what users see; tests/e2e/test_failures.py checks the",
        "recovery).",
        "",
        outage_table(outages),
        "",
        "## Connection budget",
        "",
        "PostgreSQL restarted with max_connections of a db.t3.micro, the Celery worker and beat still",
        "connected; web servers standing for each design's autoscaling maximum; chart-data and",
        "dashboard users spread over them. Peak connections are client backends seen in",
        "pg_stat_activity ten times a second (the counting connection included).",
        "",
        budget_table(budget),
        "",
    ]
    return "\n".join(out)
