"""The app role on the twin: Superset never logs in as the master user, so rotating it breaks nothing.

On AWS RDS rotates the master password every 7 days and only the migration task reads it; web,
worker and beat log in as `superset_app` (by IAM there, by password here). The twin's superuser
plays the master: its password changes here while Superset serves, every connection of the app is
cut, and web, the worker (an async SQL Lab query) and beat (its schedule, run by the worker) carry
on over new connections.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import replace

import pytest

from superset_stack.local.processes import TwinError
from superset_stack.local.twin import Twin
from tests.e2e.conftest import Api, Chart, async_query_rows, login
from tests.integration.runtime.test_app_role import OWNERS

APP_ROLE = "superset_app"


def test_superset_logs_in_as_the_app_role_which_owns_the_metadata_and_nothing_more(twin: Twin) -> None:
    server = twin.postgres()
    users = server.psql("superset", "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = "
                                    "'superset-local' AND pid <> pg_backend_pid()")  # fmt: skip
    assert users == APP_ROLE
    attributes = server.psql("postgres", "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
                                         f"rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = '{APP_ROLE}'")  # fmt: skip
    assert (
        attributes == "f|f|f|f|f|t|92"
    )  # 100 connections, 3 for superusers, 5 for the bootstrap and operators
    memberships = server.psql(
        "postgres", f"SELECT count(*) FROM pg_auth_members WHERE member = '{APP_ROLE}'::regrole"
    )
    assert memberships == "0"  # no role it could inherit power from
    assert server.psql("superset", OWNERS) == APP_ROLE  # the database, every table, sequence, view, type


def test_a_master_password_change_while_superset_serves_breaks_nothing(
    twin: Twin, api: Api, chart: Chart
) -> None:
    old = twin.postgres()
    master = replace(old, password=secrets.token_urlsafe(24))
    old.psql("postgres", f"ALTER ROLE {old.user} PASSWORD '{master.password}'")
    with pytest.raises(TwinError, match="password authentication failed"):
        old.psql("postgres", "SELECT 1")  # rotated: what a task started before the rotation holds
    try:
        # a warehouse login of its own: the chart's database logs in as the twin's superuser
        master.psql(
            "analytics", "CREATE ROLE analyst LOGIN PASSWORD 'analyst-pass'; GRANT SELECT ON sales TO analyst"
        )
        worker_log = (twin.logs / "worker.log").read_text()
        since = master.psql("postgres", "SELECT now()")
        cut = master.psql("postgres", f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      f"WHERE usename = '{APP_ROLE}'")  # fmt: skip
        assert int(cut) >= 2, "web and the worker held no connection to cut"

        assert api.get("/api/v1/chart/").status_code == 200  # web, on a new connection
        assert (
            login(twin.superset_url(), "admin", twin.secrets()["admin_password"])
            .get("/api/v1/me/")
            .status_code
            == 200
        )
        uri = f"postgresql+psycopg2://analyst:analyst-pass@{master.host}:{master.port}/analytics"
        created = api.post("/api/v1/database/", {"database_name": "analytics as analyst", "sqlalchemy_uri": uri,
                                                 "expose_in_sqllab": True, "allow_run_async": True})  # fmt: skip
        assert created.status_code == 201, created.text
        warehouse = replace(chart, database_id=created.json()["id"])
        rows = async_query_rows(api, warehouse, "rotated1", "SELECT region, SUM(amount) AS total FROM sales "
                                                            "GROUP BY region ORDER BY region")  # fmt: skip
        assert rows == [{"region": "north", "total": 15}, {"region": "south", "total": 20}]  # the worker, too

        # beat's schedule: the next reports.scheduler, sent by beat, run by the worker on the metadata
        scheduled = re.compile(r"Task reports\.scheduler\[[^]]+\] succeeded")
        deadline = time.monotonic() + 90
        while not scheduled.search((twin.logs / "worker.log").read_text()[len(worker_log) :]):
            assert time.monotonic() < deadline, "no reports.scheduler ran within 90 s of the password change"
            time.sleep(2)
        assert all(twin.status()["processes"][role]["running"] for role in ("web", "worker", "beat"))
        fresh = master.psql("postgres", f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{APP_ROLE}' "
                                        f"AND backend_start > '{since}'")  # fmt: skip
        assert int(fresh) >= 2, "the app opened no new connections"
        deleted = api.session.delete(f"{api.base}/api/v1/database/{warehouse.database_id}", timeout=60)
        assert deleted.status_code == 200, deleted.text
    finally:
        master.psql("postgres", f"ALTER ROLE {old.user} PASSWORD '{old.password}'")
        old.psql("analytics", "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'analyst') THEN "
                              "DROP OWNED BY analyst; DROP ROLE analyst; END IF; END $$")  # fmt: skip
