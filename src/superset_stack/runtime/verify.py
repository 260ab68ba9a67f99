"""Verify a Superset metadata database: the one the contract's DATABASE_* variables point at.

The DR drill runs this (`entrypoint verify`) as a one-off task against a database restored from a
snapshot; it works on any copy. It checks that:
- the schema revision in `alembic_version` is the migration head of this image's Superset;
- every table Superset's models declare exists and reads to its end (`SELECT count(*)`);
- every stored secret (database passwords, SSH tunnel keys, OAuth tokens) decrypts with
  SUPERSET_SECRET_KEY: a restore without the key that wrote them is not a recovery;
and counts dashboards, charts, datasets, databases and users.

It prints one JSON line, `{"check": "superset-stack-verify", "ok": ..., "problems": [...], ...}`,
and exits 0 when every check holds, 1 when one does not (each problem also on stderr, in a
sentence), 2 when the environment breaks the contract. It only reads: the drill's copy is thrown
away, but nothing here would change a live database either.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from superset_stack.contract import ContractError, parse

MARKER = "superset-stack-verify"
# what the report counts -> the table holding it
COUNTED = {
    "dashboards": "dashboards",
    "charts": "slices",
    "datasets": "tables",
    "databases": "dbs",
    "users": "ab_user",
}


def migration_heads() -> list[str]:
    """The head revision(s) of the migration scripts shipped with the installed Superset."""
    import superset
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(superset.__file__).parent / "migrations"))
    return sorted(scripts.get_heads())


def schema_revisions(engine: Any) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return sorted(row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version")))


def model_tables() -> list[str]:
    """Every table Superset's models (and Flask-AppBuilder's security models) declare."""
    from flask_appbuilder import Model

    return sorted(Model.metadata.tables)


def count_rows(engine: Any, tables: list[str], problems: list[str]) -> dict[str, int]:
    """Row count of each table, each read on its own connection (one failure spoils no other)."""
    from sqlalchemy import text

    quote = engine.dialect.identifier_preparer.quote
    rows: dict[str, int] = {}
    for table in tables:
        try:
            with engine.connect() as connection:
                rows[table] = int(connection.execute(text(f"SELECT count(*) FROM {quote(table)}")).scalar())
        except Exception as error:  # any driver error: the table is missing or unreadable
            problems.append(f"table {table} cannot be read: {_first_line(error)}")
    return rows


def undecryptable(engine: Any, columns: dict[str, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """`table.column` -> (values that do not decrypt, values stored), for columns with a failure."""
    from sqlalchemy import text

    quote = engine.dialect.identifier_preparer.quote
    failed: dict[str, tuple[int, int]] = {}
    with engine.connect() as connection:
        for table, by_column in columns.items():
            for column, encrypted_type in by_column.items():
                query = f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL"
                values = [row[0] for row in connection.execute(text(query))]
                bad = sum(not _decrypts(encrypted_type, value, engine.dialect) for value in values)
                if bad:
                    failed[f"{table}.{column}"] = (bad, len(values))
    return failed


def _decrypts(encrypted_type: Any, value: Any, dialect: Any) -> bool:
    value = bytes(value) if isinstance(value, memoryview) else value  # PostgreSQL bytea
    try:
        encrypted_type.process_result_value(value, dialect)
    except Exception:  # sqlalchemy_utils raises ValueError or UnicodeDecodeError for a wrong key
        return False
    return True


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def verify() -> dict[str, Any]:
    """Run every check in an application context; the result line as a dict."""
    from superset import db
    from superset.app import create_app

    from superset_stack.runtime.reencrypt import encrypted_columns

    started = time.monotonic()
    problems: list[str] = []
    result: dict[str, Any] = {"check": MARKER}
    with create_app().app_context():
        engine = db.engine
        heads = migration_heads()
        try:
            revisions = schema_revisions(engine)
        except Exception as error:
            revisions = []
            problems.append(f"the schema revision cannot be read (alembic_version): {_first_line(error)}")
        if revisions and revisions != heads:
            problems.append(
                f"schema revision {', '.join(revisions)} is not this image's migration head "
                f"{', '.join(heads)}: the copy is from another Superset version, or its migrations did "
                "not finish"
            )
        tables = model_tables()
        rows = count_rows(engine, tables, problems)
        columns = {t: c for t, c in encrypted_columns().items() if t in rows}
        failed = undecryptable(engine, columns)
        problems += [
            f"{bad} of {stored} values in {name} do not decrypt with SUPERSET_SECRET_KEY"
            for name, (bad, stored) in failed.items()
        ]
        result |= {
            "ok": not problems,
            "revision": revisions,
            "head": heads,
            "counts": {label: rows.get(table) for label, table in COUNTED.items()},
            "tables_read": len(rows),
            "tables_declared": len(tables),
            "encrypted_columns": sum(len(c) for c in columns.values()),
            "rows": rows,
            "problems": problems,
            "seconds": round(time.monotonic() - started, 1),
        }
    return result


def main() -> int:
    try:
        parse(os.environ)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        result = verify()
    except Exception as error:  # Superset itself failed to start on this database
        result = {
            "check": MARKER,
            "ok": False,
            "problems": [f"Superset could not start: {_first_line(error)}"],
        }
    for problem in result["problems"]:
        print(f"verify: {problem}", file=sys.stderr)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
