"""docs/benchmarks.md's profile section, from docs/benchmarks-profile.json (benchmarks/profile.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _cell(value: float | None, digits: int = 1) -> str:
    return "not measured" if value is None else f"{value:.{digits}f}"


def steps_table(steps: Sequence[dict[str, Any]]) -> list[str]:
    """Each change with the CPU and statements per request it left, in process and through gunicorn."""
    rows = [
        "| Step | What it changes | Statements per request | CPU ms in process | CPU ms through gunicorn |",
        "|---|---|---|---|---|",
    ]
    for step in steps:
        rows.append(
            f"| {step['step']} | {step['change']} | {step['statements']:.0f} | {step['cpu_ms']:.1f} "
            f"| {_cell(step.get('http_cpu_ms'))} |"
        )
    return rows


def layers_table(steps: Sequence[dict[str, Any]]) -> list[str]:
    """CPU ms per request by layer for each sampled step: its share of the samples times its CPU."""
    sampled = [step for step in steps if step.get("layers")]
    names: list[str] = []
    for step in sampled:
        names += [name for name in step["layers"] if name not in names]
    rows = [
        "| Layer | " + " | ".join(f"{step['step']}: ms (share)" for step in sampled) + " |",
        "|---|" + "---|" * len(sampled),
    ]
    for name in names:
        cells = []
        for step in sampled:
            share = step["layers"].get(name, 0.0)
            cells.append(f"{share * step['cpu_ms']:.2f} ({100 * share:.0f}%)")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    rows.append("| all | " + " | ".join(f"{step['cpu_ms']:.2f} (100%)" for step in sampled) + " |")
    return rows


def profile_section(profile: dict[str, Any] | None) -> list[str]:
    """The section's lines; without profile results, a line that says how to get them."""
    if not profile:
        return ["Not profiled yet: `python -m benchmarks.profile`.", ""]
    steps = profile["steps"]
    return [
        f"Measured by `{profile['command']}` on {profile['date']} (docs/benchmarks-profile.json), on a",
        "throw-away twin like the one above. In process, as in the previous section: the six charts'",
        f"cached data {steps[0]['requests'] // profile['rounds']} times per round, {profile['rounds']}"
        " interleaved rounds per step, the median round. Through",
        "gunicorn: our entrypoint with one worker and one thread, one client asking the same requests one",
        f"after another ({profile['http_requests']} per round, the median of {profile['rounds']}), which",
        "adds gunicorn's own work (reading requests, writing answers, the access-log line and our",
        "event-log lines) and leaves out the test client's. CPU time is compared, not wall-clock time,",
        "but on a shared machine CPU time per request also moves by a fifth between quiet and busy",
        "moments, and the two columns were measured minutes apart: compare within a column. Each step",
        "adds one change to the one before.",
        "",
        *steps_table(steps),
        "",
        "Where the CPU goes, by layer (benchmarks/layers.py): the request-cost probe sampled every 0.5 ms",
        "of its CPU time (benchmarks/sampler.py); a sample counts for the innermost layer on its stack,",
        "so the statements a permission check runs count as the permission check. Milliseconds are the",
        "layer's share of the samples times the step's CPU per request.",
        "",
        *layers_table(steps),
        "",
        *largest_layers(steps[-1]),
    ]


def largest_layers(step: dict[str, Any], count: int = 3) -> list[str]:
    """What the last step still spends most on: where the next milliseconds are."""
    layers = sorted(step.get("layers", {}).items(), key=lambda item: -item[1])[:count]
    if not layers:
        return []
    named = "; ".join(f"{name} ({share * step['cpu_ms']:.1f} ms)" for name, share in layers)
    return [f"Largest after {step['step']}: {named}.", ""]
