"""Run inside the Superset runtime by benchmarks/request_cost.py: one configuration, in process.

Logs in through the API, warms the cache with every chart, then times ROUNDS x the dashboard's
charts' cached chart-data requests through Flask's test client (no HTTP server, no load generator)
and counts the metadata-database statements each one runs. Prints one JSON line. With a second
argument, samples where the CPU time goes meanwhile (benchmarks/sampler.py) and writes the stacks
there as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.sampler import Sampler

WARM_UP_ROUNDS = 5
ROUNDS = 60


def main(fixture_path: str, profile_path: str | None = None) -> None:
    logging.disable(logging.INFO)  # the event lines would cost the logged variants terminal time
    from sqlalchemy import event
    from superset import db
    from superset.app import create_app

    app = create_app()
    fixture = json.loads(Path(fixture_path).read_text())
    client = app.test_client()
    login = client.post("/api/v1/security/login", json=fixture["login"])
    headers = {"Authorization": f"Bearer {login.json['access_token']}", "Referer": "http://127.0.0.1"}
    headers["X-CSRFToken"] = client.get("/api/v1/security/csrf_token/", headers=headers).json["result"]
    charts = [chart["query_context"] for chart in fixture["charts"]]

    def ask(query_context: dict[str, Any], round_number: int) -> None:
        # each round from its own address: a fast configuration would meet the default rate limit
        # of 50 requests a second per address, which stands for one client, not for the server
        address = {"REMOTE_ADDR": f"10.0.{round_number // 256}.{round_number % 256}"}
        response = client.post(
            "/api/v1/chart/data", json=query_context, headers=headers, environ_base=address
        )
        if response.status_code != 200 or not response.json["result"][0]["is_cached"]:
            raise SystemExit(f"chart data: {response.status_code}, not cached: {response.data[:300]!r}")

    for _ in range(WARM_UP_ROUNDS):
        for query_context in charts:
            client.post("/api/v1/chart/data", json=query_context, headers=headers)

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    sampler = Sampler()
    if profile_path:
        sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    for round_number in range(ROUNDS):
        for query_context in charts:
            ask(query_context, round_number)
    sampler.stop()
    requests = ROUNDS * len(charts)
    print(json.dumps({
        "requests": requests,
        "wall_ms": 1000 * (time.perf_counter() - wall) / requests,
        "cpu_ms": 1000 * (time.process_time() - cpu) / requests,
        "statements": statements / requests,
    }))  # fmt: skip
    if profile_path:
        Path(profile_path).write_text(json.dumps(sampler.stacks()))


if __name__ == "__main__":
    main(*sys.argv[1:3])
