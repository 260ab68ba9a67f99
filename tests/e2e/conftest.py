"""One real local twin for the end-to-end tests: free loopback ports, a throw-away state folder."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.client import Api
from superset_stack.local import postgres, proxy, redis
from superset_stack.local.processes import TwinError, free_port
from superset_stack.local.twin import Ports, Twin, TwinOptions
from tests.missing import missing
from tests.runtime_venv import ROOT, runtime_python

login = Api.login
ARTIFACTS = ROOT / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is slow: `pytest -m "not e2e"` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@contextmanager
def running_twin(
    *, like_aws: bool, ports: Ports | None = None, logs: str = "", **options: Any
) -> Iterator[Twin]:
    """A twin on free loopback ports (or `ports`) in a throw-away folder, with further TwinOptions;
    its logs are kept in artifacts/ (in `logs` when given)."""
    runtime = runtime_python().parent.parent
    # Under /tmp with mode 0755: as root, PostgreSQL runs as an unprivileged user who must reach it.
    state = Path(tempfile.mkdtemp(prefix="superset-twin-"))
    state.chmod(0o755)
    ports = ports or free_ports()
    subject = Twin(
        TwinOptions(state_dir=state / "local", runtime=runtime, ports=ports, like_aws=like_aws, **options)
    )
    started = time.monotonic()
    try:
        subject.up()
        print(f"\n{'like-aws' if like_aws else 'local'} twin up in {time.monotonic() - started:.0f} s at "
              f"{subject.superset_url()}")  # fmt: skip
        yield subject
    finally:
        artifacts = ARTIFACTS / (logs or ("like-aws-twin-logs" if like_aws else "twin-logs"))
        for name in ("bootstrap", "web", "worker", "beat", "proxy", "smtp"):
            log = subject.logs / f"{name}.log"
            if log.exists():
                artifacts.mkdir(parents=True, exist_ok=True)
                shutil.copy(log, artifacts / log.name)
        subject.down(delete_data=True)
        shutil.rmtree(state, ignore_errors=True)


def free_ports() -> Ports:
    return Ports(
        web=free_port(), postgres=free_port(), redis=free_port(), https=free_port(), http=free_port(),
        smtp=free_port(),
    )  # fmt: skip


@pytest.fixture(scope="session")
def twin() -> Iterator[Twin]:
    with running_twin(like_aws=False) as subject:
        yield subject


def like_aws_servers() -> None:
    """Skip (fail in CI, which installs them) without Debian's PostgreSQL, redis-server and nginx."""
    try:
        postgres.tls_binaries(), redis.tls_server_binary(), proxy.nginx_binary()
    except TwinError as error:
        missing(str(error))


@pytest.fixture(scope="session")
def aws_twin() -> Iterator[Twin]:
    """The twin as on AWS (`local up --like-aws`): Debian's PostgreSQL, redis-server and nginx."""
    like_aws_servers()
    with running_twin(like_aws=True) as subject:
        yield subject


@pytest.fixture(scope="session")
def api(twin: Twin) -> Api:
    return login(twin.superset_url(), "admin", twin.secrets()["admin_password"])


@pytest.fixture(scope="session")
def aws_api(aws_twin: Twin) -> Api:
    """Logged in through the load balancer's stand-in, trusting only the twin's CA."""
    return login(
        aws_twin.superset_url(), "admin", aws_twin.secrets()["admin_password"], ca_file=str(aws_twin.ca_file)
    )


@dataclass
class Chart:
    database_id: int
    dataset_id: int
    chart_id: int
    query_context: dict[str, Any]


def make_chart(twin: Twin, api: Api) -> Chart:
    """A small analytics database on the twin's PostgreSQL, registered in Superset with a chart."""
    server = twin.postgres()
    server.ensure_database("analytics")
    server.psql("analytics", "CREATE TABLE sales (region text, amount numeric);"
                             "INSERT INTO sales VALUES ('north', 10), ('south', 20), ('north', 5)")  # fmt: skip
    # like-aws: the URL carries sslmode=verify-full and the twin's CA, so Superset's warehouse
    # connection is checked as its metadata connection is
    uri = server.url("analytics").replace("postgresql://", "postgresql+psycopg2://", 1)
    database = api.post("/api/v1/database/", {"database_name": "analytics", "sqlalchemy_uri": uri,
                                              "expose_in_sqllab": True, "allow_run_async": True})  # fmt: skip
    assert database.status_code == 201, database.text
    return chart_on_sales(api, database.json()["id"])


def chart_on_sales(api: Api, database_id: int) -> Chart:
    """A dataset on the table sales(region, amount) of a registered database, and a chart of it."""
    dataset = api.post("/api/v1/dataset/", {"database": database_id, "schema": "public",
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
    return Chart(database_id, dataset.json()["id"], created.json()["id"], query_context)


@pytest.fixture(scope="session")
def chart(twin: Twin, api: Api) -> Chart:
    return make_chart(twin, api)


@pytest.fixture(scope="session")
def aws_chart(aws_twin: Twin, aws_api: Api) -> Chart:
    return make_chart(aws_twin, aws_api)


def async_query_rows(api: Api, chart: Chart, client_id: str, sql: str) -> list[dict[str, Any]]:
    """Run an async SQL Lab query (the Celery worker runs it, the results go through Redis); its rows."""
    submitted = api.post("/api/v1/sqllab/execute/", {"database_id": chart.database_id, "schema": "public",
                                                     "runAsync": True, "client_id": client_id, "sql": sql})  # fmt: skip
    assert submitted.status_code == 202, submitted.text
    query_id = submitted.json()["query"]["serverId"]
    deadline = time.monotonic() + 60
    while (query := api.get(f"/api/v1/query/{query_id}").json()["result"])["status"] not in (
        "success",
        "failed",
    ):
        assert time.monotonic() < deadline, query
        time.sleep(0.5)
    assert query["status"] == "success", query
    results = api.get("/api/v1/sqllab/results/", params={"q": f"(key:'{query['results_key']}')"})
    assert results.status_code == 200, results.text
    rows: list[dict[str, Any]] = results.json()["data"]
    return rows
