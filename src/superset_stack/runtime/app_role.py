"""The app role: the metadata database's owner that web, worker and beat log in as, never the master.

The bootstrap converges it on every run, logged in as the master user (RDS's rds_superuser, the
twin's superuser), before Superset's migrations:
- the role exists with LOGIN, NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOREPLICATION, NOBYPASSRLS,
  INHERIT and the connection limit DATABASE_APP_CONNECTION_LIMIT. Only attributes that differ are
  altered: RDS's master may not even name SUPERUSER or REPLICATION in ALTER ROLE;
- it logs in with DATABASE_APP_PASSWORD when one is given (the twin), else by IAM only: it is
  granted `rds_iam` (which exists on RDS alone; RDS then refuses its password logins);
- the master user is a member of it (inheriting its privileges, allowed to SET ROLE to it): the
  bootstrap's Superset commands act as it, and operators keep their access;
- it owns the metadata database, the `public` schema unless PostgreSQL's pg_database_owner does
  (then it does through the database), and every table, view, sequence, type and routine in that
  schema. A stack deployed before the role existed has them owned by the master user: they are
  handed over once; a converged database gets no statement at all (no lock on a live table).
Identifiers are quoted by psycopg2 (`sql.Identifier`), values passed as parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from superset_stack.contract import Runtime

SCHEMA = "public"  # where Superset's migrations put the metadata (the default search_path)
IAM_ROLE = "rds_iam"
# Attribute in pg_roles -> (the value the app role must have, its keyword either way).
ATTRIBUTES: dict[str, tuple[bool, str, str]] = {
    "rolcanlogin": (True, "LOGIN", "NOLOGIN"),
    "rolsuper": (False, "SUPERUSER", "NOSUPERUSER"),
    "rolcreatedb": (False, "CREATEDB", "NOCREATEDB"),
    "rolcreaterole": (False, "CREATEROLE", "NOCREATEROLE"),
    "rolreplication": (False, "REPLICATION", "NOREPLICATION"),
    "rolbypassrls": (False, "BYPASSRLS", "NOBYPASSRLS"),
    "rolinherit": (True, "INHERIT", "NOINHERIT"),
}
# Objects of the schema the role does not own: (ALTER keyword, the name as PostgreSQL quotes it).
# Indexes, and sequences owned by a column (serial, identity), follow their table; array types
# their element type; a table's row type its table; members of an extension stay the extension's.
_NOT_EXTENSION = (
    "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{catalog}'::regclass AND x.objid = {oid} "
    "AND x.deptype = 'e')"
)
_NOT_OWNED = f"""
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, format('%%I.%%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND c.relowner <> %(role)s::regrole AND {_NOT_EXTENSION.format(catalog="pg_class", oid="c.oid")}
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
           AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%%I.%%I', n.nspname, t.typname)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typowner <> %(role)s::regrole AND t.typtype IN ('e', 'd', 'r', 'c')
  AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
  AND {_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
UNION ALL
SELECT 'ROUTINE', format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.proowner <> %(role)s::regrole AND p.prokind IN ('f', 'p')
  AND {_NOT_EXTENSION.format(catalog="pg_proc", oid="p.oid")}
ORDER BY 1, 2
"""


@dataclass(frozen=True, kw_only=True)
class AppRole:
    """What the role must be: its name, its password (None: IAM only), its connection limit."""

    name: str
    password: str | None
    connection_limit: int

    @classmethod
    def from_runtime(cls, runtime: Runtime) -> AppRole:
        return cls(
            name=runtime.database_app_user,
            password=runtime.database_app_password or None,
            connection_limit=runtime.database_app_connection_limit,
        )


def converge(cursor: Any, role: AppRole) -> list[str]:
    """Bring the role and the ownership of the metadata to what the module says; the changes made,
    as sentences. In autocommit: each statement holds its locks only for itself."""
    from psycopg2 import sql

    statements = Statements(cursor, sql, sql.Identifier(role.name))
    return [*_role(statements, role), *_membership(statements, role), *_ownership(statements, role)]


@dataclass(frozen=True)
class Statements:
    """A cursor, psycopg2's `sql` module and the role's quoted name: what each step below needs."""

    cursor: Any
    sql: Any
    name: Any

    def one(self, query: str, parameters: Any = None) -> Any:
        self.cursor.execute(query, parameters)
        return self.cursor.fetchone()

    def run(self, template: str, *identifiers: Any, parameters: Any = None) -> None:
        """`template` with `{}` for the role's name (first) and further quoted identifiers."""
        self.cursor.execute(self.sql.SQL(template).format(self.name, *identifiers), parameters)


def _role(statements: Statements, role: AppRole) -> Iterator[str]:
    found = statements.one(
        f"SELECT {', '.join(ATTRIBUTES)}, rolconnlimit FROM pg_roles WHERE rolname = %s", (role.name,)
    )
    limit = f"CONNECTION LIMIT {int(role.connection_limit)}"
    if found is None:
        wanted = [keyword if value else negation for value, keyword, negation in ATTRIBUTES.values()]
        statements.run(f"CREATE ROLE {{}} WITH {' '.join(wanted)} {limit}")
        yield f"created role {role.name}: {' '.join(wanted)} {limit}"
    else:
        current = dict(zip(ATTRIBUTES, found[:-1], strict=True))
        clauses = [
            keyword if value else negation
            for column, (value, keyword, negation) in ATTRIBUTES.items()
            if current[column] != value
        ]
        if found[-1] != role.connection_limit:
            clauses.append(limit)
        if clauses:
            statements.run(f"ALTER ROLE {{}} WITH {' '.join(clauses)}")
            yield f"role {role.name}: {' '.join(clauses)}"
    if role.password is not None:
        # hashed (SCRAM) by the server; set on every run, so that the twin's secrets.json wins
        statements.run("ALTER ROLE {} WITH PASSWORD %s", parameters=(role.password,))


def _membership(statements: Statements, role: AppRole) -> Iterator[str]:
    """The master user inherits the role and may SET ROLE to it (PostgreSQL 16 separates the two:
    RDS's CREATE ROLE gives its creator neither); without a password the role is in rds_iam."""
    version = int(statements.one("SELECT current_setting('server_version_num')")[0])
    privileges = ("USAGE",) if version < 160000 else ("USAGE", "SET")
    held = [statements.one("SELECT pg_has_role(current_user, %s, %s)", (role.name, p))[0] for p in privileges]
    if not all(held):
        statements.run("GRANT {} TO CURRENT_USER")
        yield f"granted {role.name} to the master user"
    if role.password is not None:
        return
    member = statements.one("SELECT pg_has_role(%s, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                            (role.name, IAM_ROLE))  # fmt: skip
    if member is None:
        raise RuntimeError(
            f"role {role.name} has no password (DATABASE_APP_PASSWORD is empty), so it must log in by "
            f"IAM, but this server has no {IAM_ROLE} role (only RDS has): give DATABASE_APP_PASSWORD"
        )
    if not member[0]:
        statements.run("GRANT {1} TO {0}", statements.sql.Identifier(IAM_ROLE))
        yield f"granted {IAM_ROLE} to {role.name}: it logs in by IAM"


def _ownership(statements: Statements, role: AppRole) -> Iterator[str]:
    """The database, the schema (unless pg_database_owner has it) and every object in it."""
    owner, database = statements.one(
        "SELECT pg_get_userbyid(datdba), datname FROM pg_database WHERE datname = current_database()"
    )
    if owner != role.name:
        statements.run("ALTER DATABASE {1} OWNER TO {0}", statements.sql.Identifier(database))
        yield f"database {database}: owner {owner} -> {role.name}"
    (schema_owner,) = statements.one("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s",
                                     (SCHEMA,))  # fmt: skip
    if schema_owner not in (role.name, "pg_database_owner"):
        statements.run("ALTER SCHEMA {1} OWNER TO {0}", statements.sql.Identifier(SCHEMA))
        yield f"schema {SCHEMA}: owner {schema_owner} -> {role.name}"
    statements.cursor.execute(_NOT_OWNED, {"schema": SCHEMA, "role": role.name})
    objects = statements.cursor.fetchall()
    for kind, qualified in objects:
        # `kind` is one of the query's constants, `qualified` quoted by PostgreSQL itself (%I)
        statements.run(f"ALTER {kind} {{1}} OWNER TO {{0}}", statements.sql.SQL(qualified))
    if objects:
        yield f"{len(objects)} objects in schema {SCHEMA} handed over to {role.name}"
