"""Running locust headless, as the benchmark does for every measured run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True, kw_only=True)
class LocustRun:
    """One headless run: user classes, users (all started at once), length, where and what to write.

    `reset_stats` drops what was counted while users were starting (steady-state figures);
    `history` writes the per-second totals too (for runs that break something midway).
    """

    classes: Sequence[str]
    users: int
    seconds: int
    host: str
    fixture: Path
    prefix: Path
    hosts: Sequence[str] = ()
    reset_stats: bool = True
    history: bool = False

    def argv(self) -> list[str]:
        options = [
            "-u", str(self.users), "-r", str(self.users), "--run-time", f"{self.seconds}s",
            "--host", self.host, "--csv", str(self.prefix), "--only-summary", "--stop-timeout", "10",
            "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        if self.reset_stats:
            options.append("--reset-stats")
        if self.history:
            options.append("--csv-full-history")
        locust = str(Path(sys.executable).with_name("locust"))
        return [locust, "-f", str(LOCUSTFILE), "--headless", *options, *self.classes]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "BENCH_FIXTURE": str(self.fixture), "BENCH_HOSTS": ",".join(self.hosts)}

    @property
    def stats(self) -> Path:
        return self.prefix.with_name(self.prefix.name + "_stats.csv")

    @property
    def stats_history(self) -> Path:
        return self.prefix.with_name(self.prefix.name + "_stats_history.csv")

    def start(self) -> subprocess.Popen[str]:
        """Start it in the background (see finish)."""
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            self.argv(), env=self.environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def finish(self, process: subprocess.Popen[str]) -> Path:
        """Wait for a started run; the path of its statistics CSV."""
        _out, errors = process.communicate(timeout=self.seconds + 180)
        if process.returncode != 0 or not self.stats.exists():
            raise RuntimeError(f"locust failed ({process.returncode}): {errors[-2000:]}")
        return self.stats

    def run(self) -> Path:
        return self.finish(self.start())
