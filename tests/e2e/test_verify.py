"""runtime/verify.py for real: the twin's metadata database dumped, restored into scratch databases
on the twin's PostgreSQL, and verified: a faithful copy passes, damaged copies fail, by name."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from superset_stack.local.postgres import Postgres
from superset_stack.local.twin import Twin
from superset_stack.runtime.verify import MARKER
from tests.e2e.conftest import Chart

COPIES = ("verify_copy", "verify_dropped", "verify_old")


@dataclass
class Verified:
    returncode: int
    result: dict[str, Any]
    stderr: str


def client(server: Postgres, program: str, *args: str) -> None:
    """Run a PostgreSQL client program (pg_dump, pg_restore) as the twin's superuser."""
    subprocess.run([str(server.bin_dir / program), "-h", "127.0.0.1", "-p", str(server.port), "-U", server.user,
                    *args], check=True, capture_output=True, env={**os.environ, "PGPASSWORD": server.password})  # fmt: skip


@pytest.fixture(scope="module")
def copies(twin: Twin, chart: Chart, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """The metadata database (with the chart fixture's content) dumped and restored three times."""
    server = twin.postgres()
    dump = tmp_path_factory.mktemp("verify") / "superset.dump"
    client(server, "pg_dump", "-Fc", "-d", "superset", "-f", str(dump))
    for name in COPIES:
        server.psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
        server.psql("postgres", f'CREATE DATABASE "{name}"')
        client(server, "pg_restore", "--no-owner", "-d", name, str(dump))
    yield server
    for name in COPIES:
        server.psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')


def verify(twin: Twin, database: str, **environment: str) -> Verified:
    """`entrypoint verify` with the bootstrap's environment, as the DR drill runs it with the migration
    task definition: as the master user, who reads a copy whoever owns its tables."""
    python = twin.options.runtime / "bin" / "python"
    done = subprocess.run([str(python), "-m", "superset_stack.runtime.entrypoint", "verify"], capture_output=True,
                          text=True, env={**twin.process_environment("bootstrap"), "DATABASE_DB": database, **environment},
                          cwd=twin.root, timeout=300, check=False)  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{") and MARKER in line]
    assert len(lines) == 1, done.stdout + done.stderr
    return Verified(done.returncode, json.loads(lines[0]), done.stderr)


def down_revision(twin: Twin, revision: str) -> str:
    """The revision before `revision`, read from Superset's migration scripts (importing them needs an app)."""
    package = subprocess.run(
        [str(twin.options.runtime / "bin" / "python"), "-c",
         "import importlib.util; print(importlib.util.find_spec('superset').submodule_search_locations[0])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    for script in (Path(package) / "migrations" / "versions").glob("*.py"):
        text = script.read_text()
        if re.search(rf"^revision\s*=\s*[\"']{revision}[\"']", text, flags=re.MULTILINE):
            match = re.search(r"^down_revision\s*=\s*[\"']([0-9a-f]+)[\"']", text, flags=re.MULTILINE)
            assert match, script
            return match[1]
    raise AssertionError(f"no migration script has revision {revision}")


def count(server: Postgres, database: str, table: str) -> int:
    return int(server.psql(database, f"SELECT count(*) FROM {table}"))


def test_a_faithful_copy_passes(twin: Twin, copies: Postgres) -> None:
    verified = verify(twin, "verify_copy")
    assert (verified.returncode, verified.result["ok"], verified.result["problems"]) == (0, True, [])
    result = verified.result
    assert (
        result["revision"]
        == result["head"]
        == [copies.psql("superset", "SELECT version_num FROM alembic_version")]
    )
    assert result["counts"] == {
        label: count(copies, "superset", table)
        for label, table in {"dashboards": "dashboards", "charts": "slices", "datasets": "tables",
                             "databases": "dbs", "users": "ab_user"}.items()
    }  # fmt: skip
    assert result["counts"]["charts"] >= 1 and result["counts"]["datasets"] >= 1  # the chart fixture's
    assert result["tables_read"] == result["tables_declared"] >= 50
    assert result["encrypted_columns"] >= 1


def test_a_copy_without_a_core_table_fails_naming_it(twin: Twin, copies: Postgres) -> None:
    copies.psql("verify_dropped", "DROP TABLE css_templates CASCADE")
    verified = verify(twin, "verify_dropped")
    assert (verified.returncode, verified.result["ok"]) == (1, False)
    problem = 'table css_templates cannot be read: (psycopg2.errors.UndefinedTable) relation "css_templates" does not exist'
    assert verified.result["problems"] == [problem]
    assert f"verify: {problem}" in verified.stderr


def test_a_copy_at_an_older_schema_revision_fails(twin: Twin, copies: Postgres) -> None:
    head = copies.psql("superset", "SELECT version_num FROM alembic_version")
    older = down_revision(twin, head)
    copies.psql("verify_old", f"UPDATE alembic_version SET version_num = '{older}'")
    verified = verify(twin, "verify_old")
    assert (verified.returncode, verified.result["revision"]) == (1, [older])
    assert verified.result["problems"] == [
        f"schema revision {older} is not this image's migration head {head}: the copy is from another Superset "
        "version, or its migrations did not finish"
    ]


def test_a_copy_without_the_key_that_encrypted_it_fails(twin: Twin, copies: Postgres) -> None:
    stored = {column: count(copies, "verify_copy", f"dbs WHERE {column} IS NOT NULL")
              for column in ("password", "encrypted_extra", "server_cert")}  # in the model's order  # fmt: skip
    assert stored["password"] >= 1  # the chart fixture's connection has a password
    verified = verify(twin, "verify_copy", SUPERSET_SECRET_KEY="a-key-that-never-encrypted-anything-here")
    assert verified.returncode == 1
    assert verified.result["problems"] == [
        f"{number} of {number} values in dbs.{column} do not decrypt with SUPERSET_SECRET_KEY"
        for column, number in stored.items()
        if number
    ]
