"""The benchmark's picture: cached chart-data throughput and p95 latency by concurrency, per variant."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.report import RATIO_SCENARIO, TARGET_P95_MS, Measurement


def chart_data_plot(measurements: Sequence[Measurement], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "superset-stack"  # the same figures give the same file
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(10, 4))
    for variant, colour in (("stock", "#868e96"), ("tuned", "#1971c2")):
        points = sorted(
            (m.users, m) for m in measurements if (m.variant, m.scenario) == (variant, RATIO_SCENARIO)
        )
        users = [count for count, _m in points]
        throughput.plot(
            users, [m.requests_per_second for _c, m in points], marker="o", color=colour, label=variant
        )
        latency.plot(users, [m.p95_ms for _c, m in points], marker="o", color=colour, label=variant)
    latency.axhline(
        TARGET_P95_MS, color="#d9480f", linestyle="--", linewidth=1, label=f"target {TARGET_P95_MS} ms"
    )
    throughput.set(title="Cached chart data: requests/s", xlabel="concurrent users", ylabel="requests/s")
    latency.set(title="Cached chart data: p95 latency", xlabel="concurrent users", ylabel="ms")
    levels = sorted({m.users for m in measurements if m.scenario == RATIO_SCENARIO})
    for axes in (throughput, latency):
        axes.set_xscale("log")
        axes.set_xticks(levels, labels=[str(level) for level in levels])
        axes.minorticks_off()
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)
