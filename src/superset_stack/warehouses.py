"""Warehouse connections declared per stack: the engines, what each needs, and what follows from a
declaration (the image's drivers, the egress rules, the secrets, the Athena grants, the plan).

An engine is one row of `ENGINES`: the driver lock it needs (runtime/drivers/<driver>.lock; the
PostgreSQL driver is in the runtime lock), its usual port, whether it is a public HTTPS API (reached
through the NAT gateways, so it needs no rule of its own), how it authenticates (a password secret,
a service-account key secret, or the task role), the fields it requires and allows, and the TLS modes
its driver offers (`tls`; an HTTPS API has none to choose: its driver always verifies). A connection
(`warehouseConnections`, one `WarehouseConnection` each) is checked against its row by
validators/warehouses.py; the functions below turn valid connections into what the stack builds:

- `image_drivers`: the driver locks the image installs (with `warehouseDrivers`);
- `network_paths`: one egress rule per target and port (connections on the same one share it);
- `declaration`: the JSON the migration task's bootstrap reads (WAREHOUSE_CONNECTIONS), no secret
  in it, only the name of the variable each credential arrives in, and each connection's TLS mode
  and CA resolved (`tls_of`: verify-full against the public CAs unless told otherwise);
- `credentials` and `secret_arns`: those variables' ECS valueFrom, and the secrets the execution
  role may read;
- `athena_access`: what each Athena connection's grants are scoped to;
- `plan_entries`: the connections as the plan lists them (ARNs, never a secret's value).

`WAREHOUSE_PORTS` (driver -> the ports its warehouses usually listen on) drives the advisory policy
that warns when the image carries a driver no egress rule leads to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from superset_stack.config_types import Field, ObjectType, network_targets
from superset_stack.contract import warehouse_credential

Credential = Literal["password", "key", "role"]
HTTPS_PORT = 443
CLICKHOUSE_PLAIN_HTTP_PORT = 8123  # ClickHouse's plain HTTP interface: no TLS on it
# A connection's `tls`, strictest first: verify-full checks the certificate's chain and that it names
# the host; verify-ca the chain only; require encrypts without verifying; disable does not encrypt.
TLS_MODES = ("verify-full", "verify-ca", "require", "disable")
VERIFIED = ("verify-full", "verify-ca")
# A connection's `tlsCa`: the CA bundle in the image that verifies the server (runtime/warehouses.py).
TLS_CAS = ("public", "rds")
# RDS and Aurora endpoints; their certificates chain to the RDS CAs, not to public ones.
RDS_DOMAINS = (".rds.amazonaws.com", ".rds.amazonaws.com.cn")
# Host-based engines; the HTTPS engines are named by account, project or region instead.
_HOST = ("host", "database", "username", "passwordSecretArn")


@dataclass(frozen=True)
class Engine:
    """One kind of warehouse: its driver lock (None: in the runtime lock), usual port, whether it
    is a public HTTPS API, how it authenticates, its engine-specific fields (required, allowed),
    the TLS modes its driver offers (empty: always HTTPS, verified) and whether its CA is a choice."""

    driver: str | None
    port: int
    https: bool
    credential: Credential
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    tls: tuple[str, ...] = ()
    tls_ca: bool = False


# redshift_connector has no unverified mode and trusts its own Redshift CA bundle (no CA to choose);
# clickhouse-connect verifies both or neither (no verify-ca) against the public CAs.
ENGINES: dict[str, Engine] = {
    "postgresql": Engine(None, 5432, False, "password", _HOST, ("passwordSecretKey",), TLS_MODES, True),
    "redshift": Engine("redshift", 5439, False, "password", _HOST, ("passwordSecretKey",),
                       ("verify-full", "verify-ca", "disable")),
    "mysql": Engine("mysql", 3306, False, "password", _HOST, ("passwordSecretKey",), TLS_MODES, True),
    "clickhouse": Engine("clickhouse", 8443, False, "password", ("host", "username", "passwordSecretArn"),
                         ("database", "passwordSecretKey"), ("verify-full", "require", "disable")),
    "snowflake": Engine("snowflake", HTTPS_PORT, True, "password",
                        ("account", "warehouse", "database", "username", "passwordSecretArn"),
                        ("role", "passwordSecretKey")),
    "bigquery": Engine("bigquery", HTTPS_PORT, True, "key", ("project", "serviceAccountKeySecretArn")),
    "athena": Engine("athena", HTTPS_PORT, True, "role", ("workgroup", "s3OutputLocation", "database"),
                     ("region", "dataLocations")),
}  # fmt: skip
# Every engine-specific field; a connection may give only those of its engine.
ENGINE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(key for engine in ENGINES.values() for key in (*engine.required, *engine.optional))
)

WAREHOUSE_PORTS: dict[str, tuple[int, ...]] = {
    "clickhouse": (8443, 9440),  # HTTPS interface, native protocol over TLS (ClickHouse Cloud)
    "redshift": (5439,),
    "snowflake": (HTTPS_PORT,),
    "bigquery": (HTTPS_PORT,),
    "athena": (HTTPS_PORT,),
    "mysql": (3306,),
}
WAREHOUSE_DRIVERS: tuple[str, ...] = tuple(WAREHOUSE_PORTS)
# A security group rule's description (validators/egress.py): other characters become '-'.
_REFUSED_IN_DESCRIPTION = re.compile(r"[^A-Za-z0-9 ._\-:/()#,@\[\]+=;{}!$*]")


@dataclass(frozen=True, kw_only=True)
class WarehouseConnection:
    """One declared connection (a Superset database); a field not given is None. Which fields an
    engine needs is `ENGINES`' row; validators/warehouses.py checks them."""

    name: str
    engine: str
    host: str | None = None
    port: int | None = None
    database: str | None = None
    username: str | None = None
    password_secret_arn: str | None = None
    password_secret_key: str | None = None
    account: str | None = None
    warehouse: str | None = None
    role: str | None = None
    project: str | None = None
    service_account_key_secret_arn: str | None = None
    workgroup: str | None = None
    region: str | None = None
    s3_output_location: str | None = None
    data_locations: tuple[str, ...] | None = None
    expose_in_sql_lab: bool | None = None
    allow_dml: bool | None = None
    allow_run_async: bool | None = None
    allow_file_upload: bool | None = None
    file_upload_schemas: tuple[str, ...] | None = None
    cache_timeout_seconds: int | None = None
    tls: str | None = None
    tls_ca: str | None = None
    cidr: str | None = None
    prefix_list_id: str | None = None
    security_group_id: str | None = None

    @property
    def spec(self) -> Engine | None:
        return ENGINES.get(self.engine)

    @property
    def effective_port(self) -> int:
        """The port given, else the engine's usual one."""
        spec = self.spec
        return self.port if self.port is not None else (spec.port if spec else 0)

    @property
    def ports(self) -> tuple[int, int]:
        """(first, last) port, as an egress destination's: the one port twice."""
        return self.effective_port, self.effective_port

    @property
    def targets(self) -> dict[str, str]:
        """The network targets given, by field key: at most one in a valid connection."""
        return network_targets(self.cidr, self.prefix_list_id, self.security_group_id)

    @property
    def secret_arn(self) -> str | None:
        """The Secrets Manager secret holding the password or the service-account key."""
        return self.password_secret_arn or self.service_account_key_secret_arn

    @property
    def value_from(self) -> str | None:
        """ECS `secrets` valueFrom of the credential: the secret, or one JSON key of it."""
        if self.secret_arn is None:
            return None
        return (
            f"{self.secret_arn}:{self.password_secret_key}::" if self.password_secret_key else self.secret_arn
        )

    @property
    def effective_tls(self) -> str | None:
        """The TLS mode given, else verify-full; None for an HTTPS API (its driver always verifies)."""
        spec = self.spec
        return (self.tls or "verify-full") if spec and spec.tls else None

    @property
    def effective_tls_ca(self) -> str | None:
        """The CA bundle given, else rds for an RDS endpoint and public for any other host; None
        where nothing is verified or the driver brings its own (redshift, clickhouse, HTTPS APIs)."""
        spec = self.spec
        if not (spec and spec.tls_ca and self.effective_tls in VERIFIED):
            return None
        return self.tls_ca or ("rds" if (self.host or "").lower().endswith(RDS_DOMAINS) else "public")

    def given(self, key: str) -> Any:
        """A field's value by its key (camelCase), None when not given."""
        return getattr(self, _ATTRIBUTES[key])


WAREHOUSE_CONNECTION = ObjectType(
    noun="connection",
    fields=(
        Field("name", "string", "the database's name in Superset (unique)", required=True),
        Field("engine", "string", f"one of {', '.join(ENGINES)}", required=True),
        Field("host", "string", "host name or IPv4 address (postgresql, redshift, mysql, clickhouse)"),
        Field("port", "integer", "TCP port; defaults to the engine's (5432, 5439, 3306, 8443, 443)"),
        Field("database", "string", "database (snowflake: database or database/schema; athena: the Glue "
              "database)"),
        Field("username", "string", "user name (not bigquery or athena)"),
        Field("passwordSecretArn", "string", "complete ARN of the Secrets Manager secret holding the "
              "password"),
        Field("passwordSecretKey", "string", "JSON key of the password in that secret (e.g. password for an "
              "RDS- or Redshift-managed secret); empty: the whole secret is the password"),
        Field("account", "string", "snowflake: account identifier (e.g. xy12345.eu-west-1)"),
        Field("warehouse", "string", "snowflake: virtual warehouse"),
        Field("role", "string", "snowflake: role (optional)"),
        Field("project", "string", "bigquery: Google Cloud project id"),
        Field("serviceAccountKeySecretArn", "string", "bigquery: ARN of the secret holding the service "
              "account's JSON key"),
        Field("workgroup", "string", "athena: workgroup"),
        Field("region", "string", "athena: region of the workgroup; defaults to the stack's"),
        Field("s3OutputLocation", "string", "athena: query results location, s3://bucket/prefix/"),
        Field("dataLocations", "strings", "athena: s3://bucket/prefix/ locations of the tables' data the "
              "task role may read"),
        Field("exposeInSqlLab", "boolean", "list it in SQL Lab (default true)"),
        Field("allowDml", "boolean", "allow INSERT, UPDATE, DELETE and DDL in SQL Lab (default false)"),
        Field("allowRunAsync", "boolean", "run SQL Lab queries on the Celery workers (default false)"),
        Field("allowFileUpload", "boolean", "allow CSV, Excel and columnar uploads (default false)"),
        Field("fileUploadSchemas", "strings", "schemas uploads may write to (empty: any)"),
        Field("cacheTimeoutSeconds", "integer", "chart data cache timeout (default: Superset's)"),
        Field("tls", "string", "postgresql, redshift, mysql, clickhouse: verify-full (default; encrypted, "
              "the certificate and host name verified), verify-ca (the certificate only; not clickhouse), "
              "require (encrypted, not verified; not redshift) or disable (unencrypted); HTTPS engines "
              "always verify"),
        Field("tlsCa", "string", "postgresql, mysql: CAs that verify the server, rds (the RDS CA bundle) or "
              "public (the image's public CAs); default rds for a host under .rds.amazonaws.com (or "
              ".rds.amazonaws.com.cn), else public"),
        Field("cidr", "string", "network target: an IPv4 network, e.g. 10.20.0.0/16"),
        Field("prefixListId", "string", "network target: a managed prefix list id (pl-...)"),
        Field("securityGroupId", "string", "network target: a security group id (sg-...)"),
    ),
    build=WarehouseConnection,
)  # fmt: skip
_ATTRIBUTES = {field.key: field.attribute for field in WAREHOUSE_CONNECTION.fields}


def image_drivers(connections: Iterable[WarehouseConnection], chosen: Iterable[str] = ()) -> tuple[str, ...]:
    """The driver locks the image installs: the chosen ones and every declared engine's, sorted."""
    needed = {spec.driver for c in connections if (spec := c.spec) is not None and spec.driver}
    return tuple(sorted(needed | set(chosen)))


# --- the network ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkPath:
    """One egress rule a declaration needs: TCP `port` to one target (`key` cidr, prefixListId or
    securityGroupId), shared by the connections `names`."""

    key: str
    target: str
    port: int
    engines: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def description(self) -> str:
        """The rule's description, in the characters AWS accepts, at most 255 of them."""
        text = f"Warehouse {', '.join(self.names)} ({', '.join(self.engines)})"
        return _REFUSED_IN_DESCRIPTION.sub("-", text)[:255]


def network_paths(connections: Iterable[WarehouseConnection]) -> tuple[NetworkPath, ...]:
    """One path per target and port that connections name, in the order first named; a public
    HTTPS connection without a target needs none (the NAT path already opens 443)."""
    grouped: dict[tuple[str, str, int], list[WarehouseConnection]] = {}
    for connection in connections:
        for key, target in connection.targets.items():
            grouped.setdefault((key, target, connection.effective_port), []).append(connection)
    return tuple(
        NetworkPath(
            key, target, port,
            engines=tuple(dict.fromkeys(c.engine for c in group)),
            names=tuple(c.name for c in group),
        )
        for (key, target, port), group in grouped.items()
    )  # fmt: skip


def egress_of(connection: WarehouseConnection, *, internet_egress: bool) -> str:
    """How the tasks reach a connection, in the plan's words."""
    if connection.targets:
        [(key, target)] = connection.targets.items()
        return f"egress rule: TCP {connection.effective_port} to {key} {target}"
    if internet_egress:
        return "HTTPS (443) through the NAT gateways (the stack's app-to-internet rule)"
    return "no path: needs a NAT gateway or a network target"


# --- the declaration the bootstrap reads, and its secrets ------------------------------------------

_DECLARED = (
    "name", "engine", "host", "database", "username", "account", "warehouse", "role", "project",
    "workgroup", "s3OutputLocation",
)  # fmt: skip


def declaration(connections: Sequence[WarehouseConnection], removed: Sequence[str], *, region: str) -> str:
    """WAREHOUSE_CONNECTIONS: every connection's fields the bootstrap needs (no network target, no
    secret), its port, region and options resolved (defaults filled in), and the variable its
    credential arrives in; the names to remove. Compact JSON in a stable order, so an unchanged
    declaration gives the same text."""
    items = []
    for index, connection in enumerate(connections):
        item = {key: connection.given(key) for key in _DECLARED if connection.given(key) is not None}
        item["port"] = connection.effective_port
        item.update(options(connection))
        item.update(tls_of(connection))
        if connection.engine == "athena":
            item["region"] = connection.region or region
        if connection.secret_arn is not None:
            item["credential"] = warehouse_credential(index)
        items.append(item)
    return json.dumps({"connections": items, "remove": list(removed)}, separators=(",", ":"))


def tls_of(c: WarehouseConnection) -> dict[str, str]:
    """The connection's TLS mode and CA bundle, defaults filled in; empty for an HTTPS API."""
    resolved = {"tls": c.effective_tls, "tlsCa": c.effective_tls_ca}
    return {key: value for key, value in resolved.items() if value is not None}


def credentials(connections: Sequence[WarehouseConnection]) -> dict[str, str]:
    """Credential variable -> ECS valueFrom, for the connections that have a secret."""
    return {
        warehouse_credential(index): value_from
        for index, connection in enumerate(connections)
        if (value_from := connection.value_from) is not None
    }


def secret_arns(connections: Iterable[WarehouseConnection]) -> tuple[str, ...]:
    """The secrets the execution role may read for the migration task, each once, in order."""
    return tuple(dict.fromkeys(c.secret_arn for c in connections if c.secret_arn is not None))


# --- Athena: what its grants are scoped to ---------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    """An s3://bucket/prefix/ location (prefix empty for the whole bucket)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return cls(bucket, prefix)


@dataclass(frozen=True)
class AthenaAccess:
    """One Athena connection's reach: its workgroup in its region, the results location, the Glue
    database of its tables and the S3 locations of their data."""

    region: str
    workgroup: str
    output: S3Location
    database: str
    data: tuple[S3Location, ...]


def athena_access(connections: Iterable[WarehouseConnection], *, region: str) -> tuple[AthenaAccess, ...]:
    """The Athena connections' reach, for the task role's grants."""
    return tuple(
        AthenaAccess(
            region=c.region or region,
            workgroup=c.workgroup or "",
            output=S3Location.parse(c.s3_output_location or ""),
            database=c.database or "",
            data=tuple(S3Location.parse(url) for url in c.data_locations or ()),
        )
        for c in connections
        if c.engine == "athena"
    )


# --- the plan --------------------------------------------------------------------------------------


def plan_entries(
    connections: Iterable[WarehouseConnection], *, region: str, internet_egress: bool
) -> list[dict[str, Any]]:
    """The connections as the plan lists them: name, engine, address, options, TLS, egress and the
    credential's secret ARN (never its value)."""
    return [
        {
            "name": c.name,
            "engine": c.engine,
            "address": _address(c, region),
            "database": c.database,
            "options": options(c),
            "tls": tls_description(c),
            "egress": egress_of(c, internet_egress=internet_egress),
            "credential": c.value_from or "the task role",
        }
        for c in connections
    ]


def _address(c: WarehouseConnection, region: str) -> str:
    if c.engine == "snowflake":
        return f"{c.account}.snowflakecomputing.com:{c.effective_port}"
    if c.engine == "bigquery":
        return f"bigquery.googleapis.com:{c.effective_port} (project {c.project})"
    if c.engine == "athena":
        return f"athena.{c.region or region}.amazonaws.com:{c.effective_port} (workgroup {c.workgroup})"
    return f"{c.host}:{c.effective_port}"


_CA_NAMES = {"public": "the public CAs", "rds": "the RDS CA bundle"}
_TLS_NAMES = {
    "verify-full": "verified: certificate and host name",
    "verify-ca": "verified: certificate, not the host name",
    "require": "encrypted, server NOT verified",
    "disable": "UNENCRYPTED",
}


def tls_description(c: WarehouseConnection) -> str:
    """How the connection's traffic is protected, in the plan's words."""
    mode = c.effective_tls
    if mode is None:
        return "HTTPS, verified by the driver"
    ca = c.effective_tls_ca
    against = f" against {_CA_NAMES[ca]}" if ca else ""
    return f"{mode} ({_TLS_NAMES.get(mode, mode)}{against})"


def options(c: WarehouseConnection) -> dict[str, Any]:
    """The Superset options of a connection, defaults filled in (the bootstrap applies exactly these)."""
    return {
        "exposeInSqlLab": c.expose_in_sql_lab is not False,
        "allowDml": bool(c.allow_dml),
        "allowRunAsync": bool(c.allow_run_async),
        "allowFileUpload": bool(c.allow_file_upload),
        "fileUploadSchemas": list(c.file_upload_schemas or ()),
        "cacheTimeoutSeconds": c.cache_timeout_seconds,
    }
