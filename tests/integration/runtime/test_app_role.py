"""The app role's convergence (runtime/app_role.py) on real PostgreSQL, logged in as RDS logs in.

RDS's master user is no superuser: it has CREATEROLE and CREATEDB, and is a member of rds_iam with
its admin option. So is `master` here, on pgserver's PostgreSQL 16 and, where installed, Debian's
(15). A database it owns holds what a stack deployed before the app role existed holds: tables
with serial and identity columns, a view, a materialized view, a free sequence, an enum, a domain,
a composite type and a function, all the master's. The convergence runs as it, in the runtime.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from superset_stack.local import postgres
from superset_stack.local.files import private_folder, service_user
from superset_stack.local.processes import TwinError, free_port, stop
from tests.runtime_venv import SOURCE, runtime_python

LEGACY = """
CREATE TYPE kind AS ENUM ('chart', 'dashboard');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b integer);
CREATE TABLE legacy (id serial PRIMARY KEY, n positive, k kind);
CREATE TABLE tracked (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE SEQUENCE free_standing;
CREATE VIEW legacy_view AS SELECT * FROM legacy;
CREATE MATERIALIZED VIEW legacy_counts AS SELECT count(*) FROM legacy;
CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 * 2';
INSERT INTO legacy (n, k) VALUES (1, 'chart');
"""
# Objects of the schema (arrays and tables' row types aside) and their owners.
OWNERS = """
SELECT string_agg(DISTINCT owner, ',') FROM (
  SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL SELECT pg_get_userbyid(typowner) FROM pg_type t WHERE typnamespace = 'public'::regnamespace
    AND typarray <> 0 AND (typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = typrelid) = 'c')
  UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()
) AS owners
"""
CONVERGE = """
import json, sys
import psycopg2
from superset_stack.runtime.app_role import AppRole, converge
dsn, name, password, limit = sys.argv[1:]
connection = psycopg2.connect(dsn)
connection.autocommit = True
try:
    changes = converge(connection.cursor(), AppRole(name=name, password=password or None, connection_limit=int(limit)))
    print(json.dumps({"changes": changes}))
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
"""


def servers() -> list[Any]:
    found = [pytest.param(postgres.binaries(), id="pgserver-16")]
    with contextlib.suppress(TwinError):  # Debian's PostgreSQL is optional here (the like-aws twin's)
        found.append(pytest.param(postgres.tls_binaries(), id="debian"))
    return found


@pytest.fixture(scope="module", params=servers())
def server(request: pytest.FixtureRequest) -> Iterator[postgres.Postgres]:
    root = Path(tempfile.mkdtemp(prefix="app-role-"))
    root.chmod(0o755)  # as root, PostgreSQL runs as the service user, who must reach its folder
    private_folder(root / "pg", shared_with=service_user())
    superuser = postgres.Postgres(data_dir=root / "pg" / "data", port=free_port(), user="su", password="su-pass",
                                  log_file=root / "postgres.log", bin_dir=request.param)  # fmt: skip
    superuser.initialise()
    pid = superuser.start()
    superuser.psql("postgres", "CREATE ROLE master LOGIN CREATEROLE CREATEDB PASSWORD 'master-pass'")
    superuser.psql("postgres", "CREATE ROLE rds_iam NOLOGIN; GRANT rds_iam TO master WITH ADMIN OPTION")
    try:
        yield superuser
    finally:
        stop(pid, timeout_seconds=30)


def as_master(server: postgres.Postgres) -> postgres.Postgres:
    return replace(server, user="master", password="master-pass")


def legacy_database(server: postgres.Postgres, name: str) -> postgres.Postgres:
    """A database the master owns, with everything in it the master's."""
    master = as_master(server)
    master.psql("postgres", f"CREATE DATABASE {name}")
    master.psql(name, LEGACY)
    return master


def converge(
    server: postgres.Postgres, database: str, name: str, *, password: str, limit: int
) -> dict[str, Any]:
    dsn = f"host=127.0.0.1 port={server.port} dbname={database} user=master password=master-pass"
    done = subprocess.run([str(runtime_python()), "-c", CONVERGE, dsn, name, password, str(limit)],
                          env={"PYTHONPATH": str(SOURCE)}, capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_deployed_stacks_objects_are_handed_over_and_the_role_has_no_power(
    server: postgres.Postgres,
) -> None:
    master = legacy_database(server, "handover")
    assert master.psql("handover", OWNERS) == "master"
    first = converge(server, "handover", "app_owner", password="app-pass", limit=7)
    assert first == {"changes": [
        "created role app_owner: LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
        "CONNECTION LIMIT 7",
        "granted app_owner to the master user",
        "database handover: owner master -> app_owner",
        "9 objects in schema public handed over to app_owner",  # the sequences of serial and identity follow their tables
    ]}  # fmt: skip
    assert master.psql("handover", OWNERS) == "app_owner"
    assert server.psql("postgres", "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
                                   "rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = 'app_owner'") == "f|f|f|f|f|t|7"  # fmt: skip
    # idempotent: nothing left to change, so no statement takes a lock on a live table
    assert converge(server, "handover", "app_owner", password="app-pass", limit=7) == {"changes": []}


def test_the_role_uses_what_it_owns_and_the_master_keeps_its_access(server: postgres.Postgres) -> None:
    master = legacy_database(server, "usage")
    converge(server, "usage", "app_user", password="app-pass", limit=5)
    app = replace(server, user="app_user", password="app-pass")
    assert (
        app.psql("usage", "INSERT INTO legacy (n, k) VALUES (2, 'dashboard') RETURNING id").splitlines()[0]
        == "2"
    )
    refreshed = app.psql("usage", "REFRESH MATERIALIZED VIEW legacy_counts; SELECT * FROM legacy_counts")
    assert refreshed.splitlines()[-1] == "2"
    altered = app.psql("usage", "ALTER TYPE kind ADD VALUE 'report'; SELECT twice(21)")  # as migrations do
    assert altered.splitlines()[-1] == "42"
    assert master.psql("usage", "SELECT count(*) FROM legacy_view") == "2"  # operators inherit its privileges
    # what the bootstrap's Superset commands create (SET ROLE through libpq's options) is the role's
    created = subprocess.run(
        [str(server.bin_dir / "psql"), f"host=127.0.0.1 port={server.port} dbname=usage user=master "
         "options='-c role=app_user'", "-tAc", "CREATE TABLE made_by_migration (x int); "
         "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'made_by_migration'"],
        env={"PGPASSWORD": "master-pass"}, capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert created.stdout.split() == ["CREATE", "TABLE", "app_user"]


def test_a_changed_limit_or_attribute_is_brought_back(server: postgres.Postgres) -> None:
    legacy_database(server, "drift")
    converge(server, "drift", "drifting", password="app-pass", limit=5)
    server.psql("postgres", "ALTER ROLE drifting CREATEDB NOINHERIT")  # by hand, as a superuser
    assert converge(server, "drift", "drifting", password="app-pass", limit=9) == {
        "changes": ["role drifting: NOCREATEDB INHERIT CONNECTION LIMIT 9"]
    }


def test_without_a_password_the_role_logs_in_by_iam_only(server: postgres.Postgres) -> None:
    legacy_database(server, "iam")
    assert converge(server, "iam", "iam_app", password="", limit=-1)["changes"][:3] == [
        "created role iam_app: LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
        "CONNECTION LIMIT -1",
        "granted iam_app to the master user",
        "granted rds_iam to iam_app: it logs in by IAM",
    ]
    assert (
        server.psql("postgres", "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'iam_app'") == "t"
    )


def test_without_rds_iam_a_role_without_password_is_refused_clearly(server: postgres.Postgres) -> None:
    legacy_database(server, "plain")
    server.psql("postgres", "ALTER ROLE rds_iam RENAME TO rds_iam_elsewhere")  # a server that is not RDS
    try:
        refused = converge(server, "plain", "lonely", password="", limit=-1)
    finally:
        server.psql("postgres", "ALTER ROLE rds_iam_elsewhere RENAME TO rds_iam")
    assert refused == {"error": "RuntimeError: role lonely has no password (DATABASE_APP_PASSWORD is empty), so it "
                                "must log in by IAM, but this server has no rds_iam role (only RDS has): give "
                                "DATABASE_APP_PASSWORD"}  # fmt: skip
