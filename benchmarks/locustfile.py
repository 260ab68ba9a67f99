"""Locust users for the benchmark: one class per scenario, driven by benchmarks/run.py.

The fixture file (BENCH_FIXTURE) names the dashboard, its charts and their query contexts, and the
login. Each simulated user sends its own X-Forwarded-For address, as users behind the load
balancer would, so per-client rate limits apply per user and not to the whole benchmark.
BENCH_HOSTS spreads users over several web servers (the connection-budget runs).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, constant_pacing, task

from benchmarks.pacing import phase, until_next_slot

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text())
HOSTS = [host for host in os.environ.get("BENCH_HOSTS", "").split(",") if host]
_numbers = itertools.count(1)
_phases = itertools.count(0)
VIEWER_PACING_SECONDS = float(os.environ.get("VIEWER_PACING_SECONDS", "10"))
STARTED = time.monotonic()


def _address(number: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}


class _SupersetUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # closed loop: the next request as soon as the last one answered
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        number = next(_numbers)
        if HOSTS:
            self.host = HOSTS[number % len(HOSTS)]
            self.client.base_url = self.host
        self.forwarded = _address(number)
        self.headers = dict(self.forwarded)
        self.login()

    def login(self) -> None:
        with self.client.post(
            "/api/v1/security/login",
            json=FIXTURE["login"],
            headers=self.forwarded,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login answered {response.status_code}")
                return
            token = response.json()["access_token"]
        self.headers = {**self.forwarded, "Authorization": f"Bearer {token}"}


class ChartData(_SupersetUser):
    """The charts of one dashboard asking for their data, over and over (cached after the first)."""

    @task
    def chart_data(self) -> None:
        for chart in FIXTURE["charts"]:
            self.client.post(
                "/api/v1/chart/data", json=chart["query_context"], headers=self.headers, name="chart data"
            )


class DashboardViewer(_SupersetUser):
    """A person with a dashboard open: it loads (definition, charts, datasets, then each chart's
    data), and again every VIEWER_PACING_SECONDS, as when they reopen it or change a filter. Each
    viewer logs in and reloads at its own point of the cycle (benchmarks/pacing.py)."""

    def wait_time(self) -> float:
        return until_next_slot(time.monotonic(), STARTED, self.offset, VIEWER_PACING_SECONDS)

    def on_start(self) -> None:
        self.offset = phase(next(_phases), VIEWER_PACING_SECONDS)
        time.sleep(self.offset)  # gevent's sleep here: the other users run meanwhile
        super().on_start()

    @task
    def view(self) -> None:
        dashboard = FIXTURE["dashboard_id"]
        for path in ("", "/charts", "/datasets"):
            self.client.get(f"/api/v1/dashboard/{dashboard}{path}", headers=self.headers, name="dashboard")
        for chart in FIXTURE["charts"]:
            self.client.post(
                "/api/v1/chart/data", json=chart["query_context"], headers=self.headers, name="chart data"
            )


class Login(_SupersetUser):
    """Logging in (password hash check, JWT); each user about once a second, each time from a new
    address: the runtime allows 10 password attempts a minute per address (AUTH_RATE_LIMIT), which
    one address logging in every second would exceed by design."""

    wait_time = constant_pacing(1)

    @task
    def log_in(self) -> None:
        self.forwarded = _address(next(_numbers))
        self.login()


class Explore(_SupersetUser):
    """Opening a chart in Explore: the explore API that builds the page's state."""

    @task
    def explore(self) -> None:
        for chart in FIXTURE["charts"]:
            self.client.get(f"/api/v1/explore/?slice_id={chart['id']}", headers=self.headers, name="explore")


class Dashboard(_SupersetUser):
    """Opening a dashboard: its definition, its charts and its datasets."""

    @task
    def dashboard(self) -> None:
        dashboard = FIXTURE["dashboard_id"]
        for path in ("", "/charts", "/datasets"):
            self.client.get(f"/api/v1/dashboard/{dashboard}{path}", headers=self.headers, name="dashboard")
