"""SECRET_KEY rotation end to end on the twin: a database connection whose password was stored
under the old key still works after the rotation, from the web tier and the Celery worker."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from benchmarks.client import Api
from superset_stack.local.twin import Twin
from superset_stack.ops.report import Report
from superset_stack.ops.rotation import rotate
from superset_stack.ops.twin_rotation import TwinRotation
from tests.e2e.conftest import Chart, login
from tests.e2e.test_verify import verify

QUERY = "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region"
ROWS = [{"region": "north", "total": 15}, {"region": "south", "total": 20}]


def run_query(api: Api, chart: Chart, *, run_async: bool) -> list[dict[str, object]]:
    """The query on the chart's database, which Superset connects to with its stored password."""
    response = api.post("/api/v1/sqllab/execute/", {"database_id": chart.database_id, "schema": "public",
                                                    "runAsync": run_async, "sql": QUERY,
                                                    "client_id": f"rot{int(time.time() * 1000) % 10**7}"})  # fmt: skip
    assert response.status_code == (202 if run_async else 200), response.text
    if not run_async:
        rows: list[dict[str, object]] = response.json()["data"]
        return rows
    query_id = response.json()["query"]["serverId"]
    deadline = time.monotonic() + 90
    while (query := api.get(f"/api/v1/query/{query_id}").json()["result"])["status"] not in (
        "success",
        "failed",
    ):
        assert time.monotonic() < deadline, query
        time.sleep(0.5)
    assert query["status"] == "success", query
    results = api.get("/api/v1/sqllab/results/", params={"q": f"(key:'{query['results_key']}')"})
    data: list[dict[str, object]] = results.json()["data"]
    return data


def test_a_stored_password_still_works_after_the_key_is_rotated(twin: Twin, api: Api, chart: Chart) -> None:
    server = twin.postgres()
    stored = f"SELECT encode(password, 'hex') FROM dbs WHERE id = {chart.database_id}"
    before, old_key = server.psql("superset", stored), twin.secrets()["secret_key"]
    assert run_query(api, chart, run_async=False) == ROWS

    report = Report("rotate-secret-key", "local", "twin", started=datetime.now(UTC))
    assert rotate(TwinRotation(twin), report) is True
    assert [(step.name, step.ok) for step in report.steps] == [
        ("keep the current key as the previous key", True), ("the migration task reads the previous key", True),
        ("write a new SECRET_KEY", True), ("re-encrypt stored secrets with the migration task", True),
        ("restart web, worker and beat on the new key", True), ("unwire and discard the previous key", True),
    ]  # fmt: skip
    secrets = twin.secrets()
    assert secrets["secret_key"] != old_key and "previous_secret_key" not in secrets
    assert server.psql("superset", stored) != before  # re-encrypted, not just left alone

    stale = api.get("/api/v1/me/")  # a token signed with the old key: users sign in again
    assert (stale.status_code, stale.json()) == (422, {"msg": "Signature verification failed"})
    fresh = login(twin.superset_url(), "admin", secrets["admin_password"])
    api.session = fresh.session  # the session-wide client, for the tests after this one
    assert run_query(api, chart, run_async=False) == ROWS  # web decrypts the password with the new key
    assert run_query(api, chart, run_async=True) == ROWS  # and so does the restarted Celery worker
    verified = verify(twin, "superset")
    assert (verified.returncode, verified.result["problems"]) == (0, [])
