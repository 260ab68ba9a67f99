"""Warehouse connections from the stack's declaration: each one created or brought in line in Superset.

The migration task's bootstrap runs this after `superset init` when WAREHOUSE_CONNECTIONS is set
(`sync_warehouses`, in a process of its own, as the re-encryption runs). The declaration is JSON
without secrets (warehouses.declaration on the deploying side): per connection its engine, address,
options and the variable its credential arrives in (WAREHOUSE_CREDENTIAL_<n>, injected by ECS from
Secrets Manager, or by the twin from its stand-in); and the names to remove.

For each declared connection the Superset database of that name is created, or each column that
differs from the declaration is set (SQLAlchemy then writes only a real change: a connection that
already matches keeps its row, id and `changed_on`). The password goes through
`Database.set_sqlalchemy_uri`, so Superset keeps it encrypted with SECRET_KEY in `dbs.password`
and the URI it stores is masked; a BigQuery key goes into the encrypted `encrypted_extra`. Every
declared connection is marked managed externally: Superset's UI then refuses to edit it, since the
next bootstrap would undo the edit.

A connection that is no longer declared is kept (charts and datasets depend on it) and reported;
it is deleted only when named in the declaration's removals, and not while datasets or alerts use
it. Nothing here logs a password, a key or a URI that holds one; an error is reported with every
credential blanked out.

`sqlalchemy_uri` is a pure function: each engine's URI, credentials escaped, without a network.
Its query carries the connection's TLS mode in each driver's own terms (`tls_query`): libpq's
sslmode and sslrootcert, redshift_connector's sslmode or ssl, PyMySQL's ssl_* options,
clickhouse-connect's secure and verify. The CA files are the image's (`CA_BUNDLES`); the public one
is named by path, since the OpenSSL inside psycopg2-binary looks for "system" CAs in its build
directory, not in the image's store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote, urlencode

from superset_stack.contract import ContractError, Runtime, parse

SCHEMES = {
    "postgresql": "postgresql+psycopg2",
    "redshift": "redshift+redshift_connector",
    "mysql": "mysql+pymysql",
    "clickhouse": "clickhousedb",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "athena": "awsathena+rest",
}
HTTPS_PORT = 443
# tlsCa -> the CA bundle file: Debian's ca-certificates store, and the RDS bundle runtime/Dockerfile adds.
CA_BUNDLES = {"public": "/etc/ssl/certs/ca-certificates.crt", "rds": "/app/rds-ca.pem"}
# The Superset columns a declaration sets, besides the URI and its password.
COLUMNS = (
    "expose_in_sqllab", "allow_dml", "allow_run_async", "allow_file_upload", "cache_timeout", "extra",
    "encrypted_extra", "is_managed_externally",
)  # fmt: skip


class DeclarationError(ValueError):
    """A declaration the bootstrap cannot apply; the message names the connection, never a secret."""


def log(message: str) -> None:
    print(f"[warehouses] {message}", flush=True)


@dataclass(frozen=True, kw_only=True)
class Connection:
    """One declared connection, as WAREHOUSE_CONNECTIONS carries it (options resolved)."""

    name: str
    engine: str
    port: int
    host: str = ""
    database: str = ""
    username: str = ""
    credential: str = ""  # the variable holding the password or key; empty: none (athena)
    account: str = ""
    warehouse: str = ""
    role: str = ""
    project: str = ""
    workgroup: str = ""
    region: str = ""
    s3_output_location: str = ""
    expose_in_sqllab: bool = True
    allow_dml: bool = False
    allow_run_async: bool = False
    allow_file_upload: bool = False
    file_upload_schemas: tuple[str, ...] = ()
    cache_timeout: int | None = None
    tls: str = ""  # empty: an HTTPS API, verified by its driver
    tls_ca: str = ""  # empty: not verified, or by the driver's own CAs


@dataclass(frozen=True)
class Declaration:
    connections: tuple[Connection, ...]
    remove: tuple[str, ...]


# declaration key -> Connection attribute, where they differ
_RENAMED = {
    "s3OutputLocation": "s3_output_location",
    "exposeInSqlLab": "expose_in_sqllab",
    "allowDml": "allow_dml",
    "allowRunAsync": "allow_run_async",
    "allowFileUpload": "allow_file_upload",
    "fileUploadSchemas": "file_upload_schemas",
    "cacheTimeoutSeconds": "cache_timeout",
    "tlsCa": "tls_ca",
}


def parse_declaration(text: str) -> Declaration:
    """The declaration from its JSON; DeclarationError for anything else."""
    try:
        document = json.loads(text)
        items, remove = document["connections"], document.get("remove", [])
        known = {field.name for field in fields(Connection)}
        connections = []
        for item in items:
            values = {_RENAMED.get(key, key): value for key, value in item.items()}
            unknown = sorted(set(values) - known)
            if unknown:
                raise DeclarationError(f"connection {item.get('name')!r}: unknown keys {unknown}")
            values["file_upload_schemas"] = tuple(values.get("file_upload_schemas") or ())
            connections.append(Connection(**values))
    except (ValueError, KeyError, TypeError) as error:
        raise DeclarationError(f"WAREHOUSE_CONNECTIONS is not a declaration: {error}") from None
    unknown_engines = sorted({c.engine for c in connections} - set(SCHEMES))
    if unknown_engines:
        raise DeclarationError(f"unknown engine(s) {unknown_engines}; this image knows {', '.join(SCHEMES)}")
    return Declaration(tuple(connections), tuple(str(name) for name in remove))


# --- SQLAlchemy URIs: pure, one builder per kind of engine ------------------------------------------


def _escaped(text: str) -> str:
    """A user name, password or query value escaped for a URI (every reserved character)."""
    return quote(text, safe="")


def _authority(c: Connection, credential: str) -> str:
    return f"{_escaped(c.username)}:{_escaped(credential)}@" if c.username else ""


def _query(values: Mapping[str, str]) -> str:
    given = {key: value for key, value in values.items() if value}
    return f"?{urlencode(given, quote_via=quote, safe='')}" if given else ""


def _postgresql_tls(mode: str, ca: str) -> dict[str, str]:
    """libpq: sslmode as declared, the CA file for the verifying modes."""
    return {"sslmode": mode, "sslrootcert": ca}


def _redshift_tls(mode: str, _ca: str) -> dict[str, str]:
    """redshift_connector: sslmode verify-full or verify-ca (against its Redshift CA bundle and the
    system's), or no TLS. Only the string "false" is written: the driver tests `ssl is True`, so a
    string "true" would turn TLS off; left out, ssl stays the dialect's True."""
    return {"ssl": "false"} if mode == "disable" else {"sslmode": mode}


def _mysql_tls(mode: str, ca: str) -> dict[str, str]:
    """PyMySQL through SQLAlchemy: ssl_ca and ssl_check_hostname become its ssl options (a CA file
    is what makes PyMySQL verify at all); ssl_verify_cert=false requires TLS unverified;
    ssl_disabled=true turns it off (PyMySQL's default, TLS if offered, is none of these)."""
    if mode in ("verify-full", "verify-ca"):
        return {"ssl_ca": ca, "ssl_check_hostname": "true" if mode == "verify-full" else "false"}
    return {"ssl_verify_cert": "false"} if mode == "require" else {"ssl_disabled": "true"}


def _clickhouse_tls(mode: str, _ca: str) -> dict[str, str]:
    """clickhouse-connect: HTTPS verified against the system's CAs, or unverified; plain HTTP."""
    if mode == "disable":
        return {}
    return {"secure": "true", "verify": "false"} if mode == "require" else {"secure": "true"}


# The drivers that verify only against a CA file they are given (PyMySQL without one verifies nothing).
_CA_FILE_NEEDED = ("postgresql", "mysql")
_TLS: dict[str, Callable[[str, str], dict[str, str]]] = {
    "postgresql": _postgresql_tls,
    "redshift": _redshift_tls,
    "mysql": _mysql_tls,
    "clickhouse": _clickhouse_tls,
}


def tls_query(c: Connection) -> dict[str, str]:
    """The URI query that gives a host-based connection its TLS mode; DeclarationError for a mode
    or CA this image does not know."""
    if c.tls not in ("verify-full", "verify-ca", "require", "disable"):
        raise DeclarationError(f"{c.name!r}: unknown tls {c.tls!r}")
    if c.tls_ca and c.tls_ca not in CA_BUNDLES:
        raise DeclarationError(
            f"{c.name!r}: unknown tlsCa {c.tls_ca!r}; this image has {', '.join(CA_BUNDLES)}"
        )
    if c.engine in _CA_FILE_NEEDED and c.tls in ("verify-full", "verify-ca") and not c.tls_ca:
        raise DeclarationError(f"{c.name!r}: tls {c.tls} needs a tlsCa to verify against")
    return _TLS[c.engine](c.tls, CA_BUNDLES.get(c.tls_ca, ""))


def _host_uri(c: Connection, credential: str) -> str:
    """postgresql, redshift, mysql, clickhouse: user and password at host:port/database, TLS in the query."""
    path = f"/{c.database}" if c.database else ""
    query = _query(tls_query(c))
    return f"{SCHEMES[c.engine]}://{_authority(c, credential)}{c.host}:{c.port}{path}{query}"


def _snowflake_uri(c: Connection, credential: str) -> str:
    """The account as the host, database (or database/schema) as the path, warehouse and role."""
    port = f":{c.port}" if c.port != HTTPS_PORT else ""
    query = _query({"warehouse": c.warehouse, "role": c.role})
    return f"snowflake://{_authority(c, credential)}{c.account}{port}/{c.database}{query}"


def _bigquery_uri(c: Connection, _credential: str) -> str:
    """The project only: the service-account key goes into encrypted_extra."""
    return f"bigquery://{c.project}"


def _athena_uri(c: Connection, _credential: str) -> str:
    """No credentials: PyAthena signs with the task role (boto3's default chain)."""
    query = _query({"s3_staging_dir": c.s3_output_location, "work_group": c.workgroup})
    return f"awsathena+rest://@athena.{c.region}.amazonaws.com:{c.port}/{c.database}{query}"


_URIS: dict[str, Callable[[Connection, str], str]] = {
    "postgresql": _host_uri,
    "redshift": _host_uri,
    "mysql": _host_uri,
    "clickhouse": _host_uri,
    "snowflake": _snowflake_uri,
    "bigquery": _bigquery_uri,
    "athena": _athena_uri,
}


def sqlalchemy_uri(c: Connection, credential: str = "") -> str:
    """The connection's SQLAlchemy URI, the password (`credential`) in it where the engine takes one."""
    return _URIS[c.engine](c, credential)


def extra(c: Connection) -> str:
    """Superset's `extra` JSON of the connection (Superset's defaults, the upload schemas)."""
    return json.dumps({
        "metadata_params": {},
        "engine_params": {},
        "metadata_cache_timeout": {},
        "schemas_allowed_for_file_upload": list(c.file_upload_schemas),
    }, sort_keys=True)  # fmt: skip


def encrypted_extra(c: Connection, credential: str) -> str | None:
    """BigQuery's service-account key as Superset keeps it (encrypted); None for other engines."""
    if c.engine != "bigquery":
        return None
    try:
        key = json.loads(credential)
    except ValueError:
        raise DeclarationError(f"{c.name!r}: the secret holds no JSON service-account key") from None
    return json.dumps({"credentials_info": key}, sort_keys=True)


def columns(c: Connection, credential: str) -> dict[str, Any]:
    """What a declared connection sets besides its URI: every column of COLUMNS."""
    return {
        "expose_in_sqllab": c.expose_in_sqllab,
        "allow_dml": c.allow_dml,
        "allow_run_async": c.allow_run_async,
        "allow_file_upload": c.allow_file_upload,
        "cache_timeout": c.cache_timeout,
        "extra": extra(c),
        "encrypted_extra": encrypted_extra(c, credential),
        "is_managed_externally": True,
    }


def credential_of(c: Connection, credentials: Mapping[str, str]) -> str:
    """The connection's password or key from its variable; DeclarationError when it did not arrive."""
    if not c.credential:
        return ""
    value = credentials.get(c.credential, "")
    if not value:
        raise DeclarationError(f"{c.name!r}: {c.credential} is empty; its secret did not reach the task")
    return value


# --- applying it in Superset -----------------------------------------------------------------------


def apply(declaration: Declaration, credentials: Mapping[str, str]) -> None:
    """Create or update every declared connection, delete the removals, report the others kept;
    one transaction, committed only when all of it succeeded."""
    from superset import db

    for connection in declaration.connections:
        _upsert(db.session, connection, credential_of(connection, credentials))
    for name in declaration.remove:
        _remove(db.session, name)
    _report_kept(db.session, {c.name for c in declaration.connections})
    db.session.commit()


def _upsert(session: Any, c: Connection, credential: str) -> None:
    from sqlalchemy import inspect
    from superset.models.core import Database

    database = session.query(Database).filter_by(database_name=c.name).one_or_none()
    created = database is None
    if database is None:
        database = Database(database_name=c.name)
        session.add(database)
    database.set_sqlalchemy_uri(sqlalchemy_uri(c, credential))  # the password apart, encrypted
    for column, value in columns(c, credential).items():
        setattr(database, column, value)
    if created:
        log(f"created {c.name!r} ({c.engine})")
        return
    state = inspect(database)
    changed = [
        name for name in ("sqlalchemy_uri", "password", *COLUMNS) if state.attrs[name].history.has_changes()
    ]
    log(f"updated {c.name!r}: {', '.join(changed)}" if changed else f"{c.name!r} is as declared")


def _remove(session: Any, name: str) -> None:
    from superset.daos.report import ReportScheduleDAO
    from superset.models.core import Database

    database = session.query(Database).filter_by(database_name=name).one_or_none()
    if database is None:
        log(f"{name!r} is not in Superset: nothing to remove")
        return
    datasets, reports = len(database.tables), ReportScheduleDAO.find_by_database_id(database.id)
    if datasets or reports:
        raise DeclarationError(
            f"cannot remove {name!r}: {datasets} dataset(s) and {len(reports)} alert(s) or report(s) use "
            "it; delete them first, or take it out of removedWarehouseConnections"
        )
    session.delete(database)
    log(f"removed {name!r}")


def _report_kept(session: Any, declared: set[str]) -> None:
    from superset.models.core import Database

    managed = session.query(Database.database_name).filter(Database.is_managed_externally.is_(True))
    kept = sorted(name for (name,) in managed if name not in declared)
    if kept:
        log(f"kept, no longer declared: {', '.join(map(repr, kept))}; they stay (charts may use them) "
            "until named in removedWarehouseConnections")  # fmt: skip


def blanked(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every credential, raw or URI-escaped, replaced by ***."""
    for value in secrets.values():
        if value:
            text = text.replace(value, "***").replace(_escaped(value), "***")
    return text


def main() -> int:
    try:
        runtime = parse(os.environ)
        declaration = parse_declaration(runtime.warehouse_connections)
    except (ContractError, DeclarationError) as error:
        print(error, file=sys.stderr)
        return 2
    from superset.app import create_app

    try:
        with create_app().app_context():
            apply(declaration, runtime.warehouse_credentials)
    except Exception as error:
        print(f"warehouse connections not applied: {type(error).__name__}: "
              f"{blanked(str(error), runtime.warehouse_credentials)}", file=sys.stderr)  # fmt: skip
        return 1
    log(f"{len(declaration.connections)} declared connection(s) applied")
    return 0


def sync_warehouses(runtime: Runtime) -> None:
    """The bootstrap's step: apply the declaration, when there is one, in a process of its own
    (one Superset app per process); CalledProcessError when it fails."""
    if runtime.warehouse_connections:
        subprocess.run([sys.executable, "-m", "superset_stack.runtime.warehouses"], check=True)


if __name__ == "__main__":
    sys.exit(main())
