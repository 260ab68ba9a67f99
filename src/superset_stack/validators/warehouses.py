"""Warehouse connections: a known engine with the fields it needs and no field it does not use,
well-formed values (host, port, secret ARNs, S3 locations), a TLS mode and CA its driver offers,
names once, a network path that exists, and room for their egress rules beside the egress
destinations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from superset_stack.config_types import shown
from superset_stack.contract import MAX_WAREHOUSE_CONNECTIONS
from superset_stack.runtime import rds_ca
from superset_stack.validators._problem import Problem
from superset_stack.validators._targets import target_problems
from superset_stack.validators.egress import MAX_DESTINATIONS
from superset_stack.warehouses import (
    CLICKHOUSE_PLAIN_HTTP_PORT,
    ENGINE_FIELDS,
    ENGINES,
    TLS_CAS,
    TLS_MODES,
    VERIFIED,
    WAREHOUSE_CONNECTION,
    network_paths,
)

# <name>.<id>.<region>.rds.amazonaws.com[.cn]: instances, clusters and proxies
_RDS_ENDPOINT = re.compile(rf"\.({rds_ca.REGION_NAME})\.rds\.amazonaws\.com(?:\.cn)?$")

if TYPE_CHECKING:
    from superset_stack.settings import Settings
    from superset_stack.warehouses import WarehouseConnection

KEY = "warehouseConnections"
MAX_NAME = 250  # Superset's dbs.database_name
# Secrets Manager adds a hyphen and six characters to a secret's name; IAM and ECS need all of it.
SECRET_ARN = re.compile(
    r"arn:aws(-cn|-us-gov)?:secretsmanager:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}"
)
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")
S3_LOCATION = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*'()/=+-]+/)?")
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d+")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # an Athena workgroup, a JSON key, a Snowflake account
# Written into the URI as it is (SQLAlchemy 1.4 does not unescape the database), so nothing to escape.
_DATABASE = re.compile(r"[A-Za-z0-9_.$-]{1,128}(/[A-Za-z0-9_.$-]{1,128})?")
_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")  # a Google Cloud project id
_DESCRIPTIONS = {field.key: field.description for field in WAREHOUSE_CONNECTION.fields}
# Why an engine's driver lacks a TLS mode, or brings its own CAs.
_NO_MODE = {
    "redshift": "redshift_connector always verifies the certificate; verify-ca skips only the host name",
    "clickhouse": "clickhouse-connect verifies the certificate and the host name together or not at all",
}
_OWN_CAS = {
    "redshift": "redshift_connector verifies against its own Redshift CA bundle and the image's public CAs",
    "clickhouse": "clickhouse-connect verifies against the image's public CAs",
}


def validate_warehouse_connections(s: Settings) -> list[Problem]:
    """At most 20 connections, each valid for its engine and reachable, names unique; removals
    that name no declared connection; all egress rules within the app group's quota."""
    connections = s.warehouse_connections
    if len(connections) > MAX_WAREHOUSE_CONNECTIONS:
        return [Problem(KEY, f"at most {MAX_WAREHOUSE_CONNECTIONS} connections, got {len(connections)}")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, connection in enumerate(connections):
        where = f"{KEY}[{index}]"
        problems += _connection(where, connection, s)
        name = connection.name.casefold()
        if name in seen:
            problems.append(
                Problem(
                    f"{where}.name",
                    f"repeats the name of {KEY}[{seen[name]}]: "
                    f"{shown(connection.name)}; Superset names each database once",
                )
            )
        seen.setdefault(name, index)
    problems += _removed(s, set(seen))
    problems += _rules(s)
    return problems


def _connection(where: str, c: WarehouseConnection, s: Settings) -> list[Problem]:
    spec = ENGINES.get(c.engine)
    if spec is None:
        return [
            Problem(f"{where}.engine", f"unknown engine {shown(c.engine)}; allowed: {', '.join(ENGINES)}")
        ]
    problems = []
    if len(c.name) > MAX_NAME:
        problems.append(Problem(f"{where}.name", f"at most {MAX_NAME} characters, got {len(c.name)}"))
    for key in spec.required:
        if c.given(key) in (None, ()):
            problems.append(
                Problem(f"{where}.{key}", f"required for engine {c.engine} ({_DESCRIPTIONS[key]})")
            )
    unused = [key for key in ENGINE_FIELDS if key not in (*spec.required, *spec.optional)]
    for key in unused:
        if c.given(key) is not None:
            problems.append(Problem(f"{where}.{key}", f"not used by engine {c.engine}; remove it"))
    for key, check in _VALUES.items():
        value = c.given(key)
        if value is not None and key not in unused and (text := check(value)):
            problems.append(Problem(f"{where}.{key}", text))
    if c.file_upload_schemas and not c.allow_file_upload:
        problems.append(Problem(f"{where}.fileUploadSchemas", "has no effect unless allowFileUpload is true"))
    return problems + _tls(where, c) + _tls_ca(where, c) + _rds_ca_region(where, c, s) + _network(where, c, s)


def _port(port: int) -> str | None:
    return None if 1 <= port <= 65535 else f"must be 1-65535, got {port}"


def _host(host: str) -> str | None:
    if HOST.fullmatch(host):
        return None
    return f"expected a host name or an IPv4 address (no scheme, port or path), got {shown(host)}"


def _secret_arn(arn: str) -> str | None:
    if SECRET_ARN.fullmatch(arn):
        return None
    return (
        "not a Secrets Manager secret ARN: expected the complete ARN, "
        f"arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, got {arn!r}"
    )


def _s3(location: str) -> str | None:
    if S3_LOCATION.fullmatch(location):
        return None
    return (
        f"expected s3://bucket/prefix/ (a bucket name, then a key prefix ending in /), got {shown(location)}"
    )


def _s3_list(locations: tuple[str, ...]) -> str | None:
    return next((f"item {i}: {problem}" for i, url in enumerate(locations) if (problem := _s3(url))), None)


def _name(what: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return (
            None
            if _NAME.fullmatch(value)
            else f"expected {what} (letters, digits, _ . -), got {shown(value)}"
        )

    return check


def _database(database: str) -> str | None:
    if _DATABASE.fullmatch(database):
        return None
    return (f"expected a name of letters, digits and _ . $ - (snowflake: database/schema), got "
            f"{shown(database)}")  # fmt: skip


def _project(project: str) -> str | None:
    if _PROJECT.fullmatch(project):
        return None
    return f"expected a Google Cloud project id (6-30 lowercase letters, digits, -), got {shown(project)}"


def _region(region: str) -> str | None:
    return None if _REGION.fullmatch(region) else f"not an AWS region name, got {shown(region)}"


def _cache_timeout(seconds: int) -> str | None:
    return None if seconds >= -1 else f"must be -1 (never cache) or more, got {seconds}"


_VALUES: dict[str, Callable[..., str | None]] = {
    "port": _port,
    "host": _host,
    "database": _database,
    "account": _name("a Snowflake account identifier"),
    "project": _project,
    "passwordSecretArn": _secret_arn,
    "passwordSecretKey": _name("a JSON key"),
    "serviceAccountKeySecretArn": _secret_arn,
    "s3OutputLocation": _s3,
    "dataLocations": _s3_list,
    "workgroup": _name("an Athena workgroup name"),
    "region": _region,
    "cacheTimeoutSeconds": _cache_timeout,
}


def _tls(where: str, c: WarehouseConnection) -> list[Problem]:
    """A mode the engine's driver offers, none on an HTTPS API, and none but disable on ClickHouse's
    plain HTTP port."""
    spec = ENGINES[c.engine]
    if c.tls is not None and not spec.tls:
        return [Problem(f"{where}.tls", f"{c.engine} is always reached over HTTPS, its certificate verified "
                        f"by the driver; tls does not apply, got {shown(c.tls)}; remove it")]  # fmt: skip
    if c.tls is not None and c.tls not in spec.tls:
        why = f" ({_NO_MODE[c.engine]})" if c.tls in TLS_MODES and c.engine in _NO_MODE else ""
        return [Problem(f"{where}.tls", f"expected {', '.join(spec.tls)} for engine {c.engine}, got "
                        f"{shown(c.tls)}{why}")]  # fmt: skip
    plain_http = c.engine == "clickhouse" and c.effective_port == CLICKHOUSE_PLAIN_HTTP_PORT
    if plain_http and c.effective_tls != "disable":
        return [Problem(f"{where}.port", f"{CLICKHOUSE_PLAIN_HTTP_PORT} is ClickHouse's plain HTTP "
                        f"interface, but tls is {c.effective_tls}; give its HTTPS port (8443, the default) "
                        "or set tls disable")]  # fmt: skip
    return []


def _tls_ca(where: str, c: WarehouseConnection) -> list[Problem]:
    """A CA only where the driver takes one, one of the image's, and only where something is verified."""
    if c.tls_ca is None:
        return []
    spec = ENGINES[c.engine]
    if not spec.tls_ca:
        own = _OWN_CAS.get(c.engine, f"{c.engine} is always reached over HTTPS, verified by its driver")
        return [Problem(f"{where}.tlsCa", f"{own}; tlsCa does not apply, got {shown(c.tls_ca)}; remove it")]
    if c.tls_ca not in TLS_CAS:
        return [Problem(f"{where}.tlsCa", f"expected {' or '.join(TLS_CAS)} (the CA bundles in the image), "
                        f"got {shown(c.tls_ca)}")]  # fmt: skip
    if c.tls in spec.tls and c.effective_tls not in VERIFIED:
        return [Problem(f"{where}.tlsCa", f"has no effect with tls {c.effective_tls} (nothing is verified); "
                        "remove it")]  # fmt: skip
    return []


def _rds_ca_region(where: str, c: WarehouseConnection, s: Settings) -> list[Problem]:
    """An RDS endpoint verified against the image's RDS CA bundle: its region's root CA is in it.
    A prebuilt image (imageUri) brings its own bundle; an unreadable one is validate_ca_region's."""
    match = _RDS_ENDPOINT.search((c.host or "").lower())
    if s.image_uri or c.effective_tls_ca != "rds" or not match:
        return []
    try:
        state = rds_ca.coverage(match.group(1))
    except (OSError, rds_ca.BundleError):
        return []
    if state == "covered":
        return []
    if state == "partition":
        return [Problem(f"{where}.host", f"{c.host} is an RDS endpoint in {match.group(1)}, whose "
                        "partition's RDS CAs are a bundle of their own that the image does not carry, so "
                        f"tls {c.effective_tls} cannot verify it; set imageUri to an image that trusts "
                        "them")]  # fmt: skip
    return [Problem(f"{where}.host", f"{c.host} is an RDS endpoint in {match.group(1)}, whose root CA the "
                    "image's RDS CA bundle (runtime/rds-ca-bundle.pem) lacks, so tls "
                    f"{c.effective_tls} cannot verify it. Refresh the bundle (python -m "
                    "superset_stack.runtime.rds_ca refresh), or set imageUri to an image that "
                    "trusts it")]  # fmt: skip


def _network(where: str, c: WarehouseConnection, s: Settings) -> list[Problem]:
    """Exactly one target for a warehouse on a network; a public HTTPS API needs none when a NAT
    gateway exists, or one (its PrivateLink endpoint) when none does."""
    spec = ENGINES[c.engine]
    if spec.https and not c.targets:
        if s.nat_gateways == "none":  # a StrEnum member equals its value
            return [Problem(where, f"{c.engine} is reached over HTTPS on the internet, but natGateways is "
                            "none: the private subnets have no route there; choose natGateways single or "
                            "one_per_az, or give the network target of a private endpoint (securityGroupId "
                            "or prefixListId)")]  # fmt: skip
        return []
    if not 1 <= c.effective_port <= 65535:
        return []  # the port's own problem is reported
    return target_problems(where, c, s, check_open=True)


def _removed(s: Settings, declared: set[str]) -> list[Problem]:
    problems = []
    for index, name in enumerate(s.removed_warehouse_connections):
        where = f"removedWarehouseConnections[{index}]"
        if not name:
            problems.append(Problem(where, "empty; give the name of a connection to delete"))
        elif name.casefold() in declared:
            problems.append(Problem(where, f"{shown(name)} is still in {KEY}; remove it from one of the two"))
    return problems


def _rules(s: Settings) -> list[Problem]:
    """The connections' rules and the egress destinations: within the quota, none twice."""
    paths = network_paths(s.warehouse_connections)
    total = len(paths) + len(s.egress_destinations)
    if total > MAX_DESTINATIONS:
        return [
            Problem(
                KEY,
                f"their {len(paths)} egress rules and the {len(s.egress_destinations)} egress "
                f"destinations make {total}; at most {MAX_DESTINATIONS} fit the app security group",
            )
        ]
    destinations = {
        (key, target, d.ports): index
        for index, d in enumerate(s.egress_destinations)
        for key, target in d.targets.items()
    }
    problems = []
    for path in paths:
        index = destinations.get((path.key, path.target, (path.port, path.port)))
        if index is not None:
            problems.append(Problem(KEY, f"{', '.join(path.names)} open {path.key} {path.target} on "
                                    f"{path.port}, as egressDestinations[{index}] does; remove that entry "
                                    "(AWS refuses a rule twice)"))  # fmt: skip
    return problems
