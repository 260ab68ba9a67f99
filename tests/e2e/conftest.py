"""One real local twin for the end-to-end tests: free loopback ports, a throw-away state folder."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.client import Api
from superset_stack.local.processes import free_port
from superset_stack.local.twin import Ports, Twin, TwinOptions
from tests.runtime_venv import runtime_python

login = Api.login


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is slow: `pytest -m "not e2e"` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def twin() -> Iterator[Twin]:
    runtime = runtime_python().parent.parent
    # Under /tmp with mode 0755: as root, PostgreSQL runs as an unprivileged user who must reach it.
    state = Path(tempfile.mkdtemp(prefix="superset-twin-"))
    state.chmod(0o755)
    subject = Twin(TwinOptions(state_dir=state / "local", runtime=runtime,
                               ports=Ports(web=free_port(), postgres=free_port(), redis=free_port())))  # fmt: skip
    started = time.monotonic()
    try:
        subject.up()
        print(f"\nlocal twin up in {time.monotonic() - started:.0f} s at {subject.superset_url()}")
        yield subject
    finally:
        for name in ("bootstrap", "web", "worker", "beat"):
            log = subject.logs / f"{name}.log"
            if log.exists():
                artifacts = Path(__file__).resolve().parents[2] / "artifacts" / "twin-logs"
                artifacts.mkdir(parents=True, exist_ok=True)
                shutil.copy(log, artifacts / log.name)
        subject.down(delete_data=True)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def api(twin: Twin) -> Api:
    return login(twin.superset_url(), "admin", twin.secrets()["admin_password"])


@dataclass
class Chart:
    database_id: int
    dataset_id: int
    chart_id: int
    query_context: dict[str, Any]


@pytest.fixture(scope="session")
def chart(twin: Twin, api: Api) -> Chart:
    """A small analytics database on the twin's PostgreSQL, registered in Superset with a chart."""
    server = twin.postgres()
    server.ensure_database("analytics")
    server.psql("analytics", "CREATE TABLE sales (region text, amount numeric);"
                             "INSERT INTO sales VALUES ('north', 10), ('south', 20), ('north', 5)")  # fmt: skip
    uri = server.url("analytics").replace("postgresql://", "postgresql+psycopg2://", 1)
    database = api.post("/api/v1/database/", {"database_name": "analytics", "sqlalchemy_uri": uri,
                                              "expose_in_sqllab": True, "allow_run_async": True})  # fmt: skip
    assert database.status_code == 201, database.text
    dataset = api.post("/api/v1/dataset/", {"database": database.json()["id"], "schema": "public",
                                            "table_name": "sales"})  # fmt: skip
    assert dataset.status_code == 201, dataset.text
    metric = {
        "expressionType": "SIMPLE",
        "column": {"column_name": "amount"},
        "aggregate": "SUM",
        "label": "total",
    }
    params = {"viz_type": "table", "groupby": ["region"], "metrics": [metric], "row_limit": 100}
    created = api.post("/api/v1/chart/", {"slice_name": "Sales by region", "viz_type": "table",
                                          "datasource_id": dataset.json()["id"], "datasource_type": "table",
                                          "params": json.dumps(params)})  # fmt: skip
    assert created.status_code == 201, created.text
    query_context = {
        "datasource": {"id": dataset.json()["id"], "type": "table"},
        "queries": [
            {"columns": ["region"], "metrics": [metric], "orderby": [[metric, False]], "row_limit": 100}
        ],
        "result_format": "json",
        "result_type": "full",
    }
    return Chart(database.json()["id"], dataset.json()["id"], created.json()["id"], query_context)
