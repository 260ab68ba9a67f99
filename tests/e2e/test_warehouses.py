"""Warehouse connections as code on the twin: a second database on the twin's PostgreSQL, declared in
a stack file (`local up --config-file`) with its password in the stand-in for Secrets Manager, is
created by the bootstrap, a chart queries it, a second bootstrap changes nothing, and a changed
password is applied by the next bootstrap. No password reaches a log."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from benchmarks.client import Api
from superset_stack.local.twin import Twin, TwinOptions
from tests.e2e.conftest import ARTIFACTS, Chart, chart_on_sales, free_ports, login
from tests.runtime_venv import runtime_python

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:twin-warehouse-AbCdEf"
FIRST = "p@ss:w/rd?#%+ x"  # every character a URI reserves, a percent and a space
SECOND = "n3w p@ss/word#%+"
NAME = "Warehouse (declared)"


def stack_file(folder: Path, postgres_port: int) -> Path:
    """A dev stack file whose one connection is the twin's own PostgreSQL, database warehouse: on
    loopback without TLS, so it says tls disable (the default, verify-full, would refuse it)."""
    path = folder / "Pulumi.dev.yaml"
    path.write_text(f"""config:
  aws:region: us-east-1
  superset-stack:owner: data-platform
  superset-stack:costCenter: analytics
  superset-stack:domainName: superset.example.com
  superset-stack:hostedZoneId: Z0123456789EXAMPLE
  superset-stack:warehouseConnections:
    - name: {NAME}
      engine: postgresql
      host: 127.0.0.1
      port: {postgres_port}
      database: warehouse
      username: analyst
      passwordSecretArn: {SECRET}
      passwordSecretKey: password
      allowRunAsync: true
      cacheTimeoutSeconds: -1
      tls: disable
      cidr: 127.0.0.1/32
""")
    return path


@pytest.fixture(scope="module")
def declared() -> Iterator[Twin]:
    """A twin started with the stack file; the warehouse's role, database and table made after
    `up` (the bootstrap declares a connection without opening it)."""
    state = Path(tempfile.mkdtemp(prefix="superset-warehouses-"))
    state.chmod(0o755)
    ports = free_ports()
    subject = Twin(TwinOptions(state_dir=state / "local", runtime=runtime_python().parent.parent, ports=ports,
                               config_file=stack_file(state, ports.postgres)))  # fmt: skip
    subject.put_secret(SECRET, f'{{"username": "analyst", "password": "{FIRST}"}}')
    try:
        subject.up()
        server = subject.postgres()
        server.psql("postgres", f"CREATE ROLE analyst LOGIN PASSWORD '{FIRST}'")
        server.ensure_database("warehouse")
        server.psql("warehouse", "CREATE TABLE sales (region text, amount numeric);"
                                 "INSERT INTO sales VALUES ('north', 10), ('south', 20), ('north', 5);"
                                 "GRANT SELECT ON sales TO analyst")  # fmt: skip
        yield subject
    finally:
        log = subject.logs / "bootstrap.log"
        if log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, ARTIFACTS / "warehouses-bootstrap.log")
        subject.down(delete_data=True)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def api(declared: Twin) -> Api:
    return login(declared.superset_url(), "admin", declared.secrets()["admin_password"])


@pytest.fixture(scope="module")
def chart(declared: Twin, api: Api) -> Chart:
    found = api.get("/api/v1/database/", params={"q": "(page_size:100)"}).json()["result"]
    [database_id] = [database["id"] for database in found if database["database_name"] == NAME]
    return chart_on_sales(api, database_id)


def row(twin: Twin) -> str:
    """The declared connection's row in the metadata database: id, URI, the encrypted password,
    the options and when it last changed; and how many connections there are."""
    return twin.postgres().psql("superset", (
        "SELECT id, sqlalchemy_uri, password, allow_run_async, cache_timeout, is_managed_externally, changed_on, "
        f"(SELECT count(*) FROM dbs) FROM dbs WHERE database_name = '{NAME}'"
    ))  # fmt: skip


def totals(api: Api, chart: Chart) -> dict[str, float]:
    response = api.post("/api/v1/chart/data", chart.query_context)
    assert response.status_code == 200, response.text
    return {item["region"]: item["total"] for item in response.json()["result"][0]["data"]}


def test_the_declared_connection_is_created_managed_and_a_chart_queries_it(
    declared: Twin, api: Api, chart: Chart
) -> None:
    uri, password, run_async, cache_timeout, managed = row(declared).split("|")[1:6]
    assert (
        uri
        == f"postgresql+psycopg2://analyst:XXXXXXXXXX@127.0.0.1:{declared.options.ports.postgres}/warehouse"
        "?sslmode=disable"
    )
    assert FIRST not in password  # encrypted with SECRET_KEY
    assert (run_async, cache_timeout, managed) == ("t", "-1", "t")  # -1: never cached, each query reaches it
    assert totals(api, chart) == {"north": 15, "south": 20}


def test_running_the_bootstrap_again_changes_nothing(declared: Twin, chart: Chart) -> None:
    before = row(declared)
    declared.bootstrap()
    assert row(declared) == before  # no new row, the same id, URI, password and changed_on
    assert f"{NAME!r} is as declared" in (declared.logs / "bootstrap.log").read_text()


def test_a_changed_password_is_applied_by_the_next_bootstrap(declared: Twin, api: Api, chart: Chart) -> None:
    before = row(declared).split("|")
    declared.postgres().psql("postgres", f"ALTER ROLE analyst PASSWORD '{SECOND}'")
    declared.put_secret(SECRET, f'{{"username": "analyst", "password": "{SECOND}"}}')
    refused = api.post("/api/v1/chart/data", chart.query_context)
    assert refused.status_code != 200  # the stored password is the old one until the bootstrap runs
    time.sleep(1)  # changed_on has a resolution of one second or better: a change shows
    declared.bootstrap()
    after = row(declared).split("|")
    assert (after[0], after[1], after[-1]) == (before[0], before[1], before[-1])  # same id, URI, count
    assert after[2] != before[2] and after[6] != before[6]  # a new encrypted password, a new changed_on
    assert f"updated {NAME!r}: password" in (declared.logs / "bootstrap.log").read_text()
    assert totals(api, chart) == {"north": 15, "south": 20}


def test_no_password_reaches_a_log(declared: Twin) -> None:
    for log in declared.logs.glob("*.log"):
        text = log.read_text(errors="replace")
        for password in (FIRST, SECOND):
            assert password not in text and quote(password, safe="") not in text, log.name
