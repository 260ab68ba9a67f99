"""Warehouse connections: the engine's fields, well-formed values, a TLS mode and CA the driver offers,
names once, a network path that exists, room for the rules and no rule twice, each mistake with a
message that says what to do."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.config_types import ObjectType, coerce
from superset_stack.settings import EGRESS_DESTINATION, SettingsError
from superset_stack.validators import Problem
from superset_stack.validators.warehouses import validate_warehouse_connections
from superset_stack.warehouses import WAREHOUSE_CONNECTION
from tests.conftest import make_settings
from tests.unit.test_warehouses import ACCOUNT, EVERY_ENGINE

POSTGRESQL = EVERY_ENGINE[0]
REDSHIFT = EVERY_ENGINE[1]
MYSQL = EVERY_ENGINE[2]
CLICKHOUSE = EVERY_ENGINE[3]
SNOWFLAKE = EVERY_ENGINE[4]
KEY = "warehouseConnections"


PRESETS = {preset: make_settings(preset) for preset in ("dev", "staging")}


def objects(raw: list[dict[str, Any]], items: ObjectType) -> tuple[Any, ...]:
    found: list[str] = []
    built = coerce("key", "array", raw, found, items=items)
    assert found == []
    return tuple(built)


def problems(
    *connections: dict[str, Any],
    preset: str = "staging",
    egressDestinations: list[dict[str, Any]] = [],  # noqa: B006, N803 - read only; as a stack file names it
    removedWarehouseConnections: tuple[str, ...] = (),  # noqa: N803
) -> list[Problem]:
    settings = replace(
        PRESETS[preset],
        warehouse_connections=objects(list(connections), WAREHOUSE_CONNECTION),
        egress_destinations=objects(egressDestinations, EGRESS_DESTINATION),
        removed_warehouse_connections=tuple(removedWarehouseConnections),
    )
    return validate_warehouse_connections(settings)


def refused(*connections: dict[str, Any], preset: str = "staging", **values: Any) -> tuple[str, ...]:
    """The whole settings' problems (the object type's checks included)."""
    with pytest.raises(SettingsError) as caught:
        make_settings(preset, warehouseConnections=list(connections), **values)
    return caught.value.problems


def test_one_connection_of_every_engine_passes() -> None:
    assert problems(*EVERY_ENGINE) == []


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        ({"name": "x", "engine": "oracle"},
         Problem(f"{KEY}[0].engine", "unknown engine 'oracle'; allowed: postgresql, redshift, mysql, clickhouse, "
                 "snowflake, bigquery, athena")),
        ({**SNOWFLAKE, "account": None},
         Problem(f"{KEY}[0].account", "required for engine snowflake (snowflake: account identifier (e.g. "
                 "xy12345.eu-west-1))")),
        ({**REDSHIFT, "project": "marketing-prod"},
         Problem(f"{KEY}[0].project", "not used by engine redshift; remove it")),
        ({**EVERY_ENGINE[-1], "passwordSecretArn": f"{ACCOUNT}:x-AbCdEf"},
         Problem(f"{KEY}[0].passwordSecretArn", "not used by engine athena; remove it")),
        ({**REDSHIFT, "port": 70000}, Problem(f"{KEY}[0].port", "must be 1-65535, got 70000")),
        ({**REDSHIFT, "host": "https://cluster:5439"},
         Problem(f"{KEY}[0].host", "expected a host name or an IPv4 address (no scheme, port or path), got "
                 "'https://cluster:5439'")),
        ({**REDSHIFT, "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:reader"},
         Problem(f"{KEY}[0].passwordSecretArn", "not a Secrets Manager secret ARN: expected the complete ARN, "
                 "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, got "
                 "'arn:aws:secretsmanager:us-east-1:123456789012:secret:reader'")),
        ({**EVERY_ENGINE[-1], "s3OutputLocation": "s3://athena-results/superset"},
         Problem(f"{KEY}[0].s3OutputLocation", "expected s3://bucket/prefix/ (a bucket name, then a key prefix "
                 "ending in /), got 's3://athena-results/superset'")),
        ({**EVERY_ENGINE[-1], "dataLocations": ["s3://lake/sales/", "arn:aws:s3:::lake"]},
         Problem(f"{KEY}[0].dataLocations", "item 1: expected s3://bucket/prefix/ (a bucket name, then a key "
                 "prefix ending in /), got 'arn:aws:s3:::lake'")),
        ({**REDSHIFT, "database": "sales?sslmode=disable"},
         Problem(f"{KEY}[0].database", "expected a name of letters, digits and _ . $ - (snowflake: "
                 "database/schema), got 'sales?sslmode=disable'")),
        ({**EVERY_ENGINE[5], "project": "Marketing Prod"},
         Problem(f"{KEY}[0].project", "expected a Google Cloud project id (6-30 lowercase letters, digits, -), "
                 "got 'Marketing Prod'")),
        ({**REDSHIFT, "fileUploadSchemas": ["uploads"]},
         Problem(f"{KEY}[0].fileUploadSchemas", "has no effect unless allowFileUpload is true")),
        ({**REDSHIFT, "cacheTimeoutSeconds": -5},
         Problem(f"{KEY}[0].cacheTimeoutSeconds", "must be -1 (never cache) or more, got -5")),
    ],
)  # fmt: skip
def test_each_field_is_checked_for_its_engine(connection: dict[str, Any], expected: Problem) -> None:
    given = {key: value for key, value in connection.items() if value is not None}
    assert problems(given) == [expected]


def test_every_tls_mode_and_ca_a_driver_offers_passes() -> None:
    offered = [
        {**POSTGRESQL, "tls": "verify-ca", "tlsCa": "public"}, {**POSTGRESQL, "tls": "require"},
        {**POSTGRESQL, "tls": "disable"}, {**REDSHIFT, "tls": "verify-ca"}, {**REDSHIFT, "tls": "disable"},
        {**MYSQL, "tls": "verify-full", "tlsCa": "rds"}, {**MYSQL, "tls": "require"},
        {**CLICKHOUSE, "tls": "require"}, {**CLICKHOUSE, "tls": "disable", "port": 8123},
    ]  # fmt: skip
    assert problems(*({**c, "name": f"c{i}"} for i, c in enumerate(offered))) == []


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        ({**SNOWFLAKE, "tls": "disable"},
         Problem(f"{KEY}[0].tls", "snowflake is always reached over HTTPS, its certificate verified by the driver; "
                 "tls does not apply, got 'disable'; remove it")),
        ({**EVERY_ENGINE[-1], "tls": "verify-full"},
         Problem(f"{KEY}[0].tls", "athena is always reached over HTTPS, its certificate verified by the driver; "
                 "tls does not apply, got 'verify-full'; remove it")),
        ({**POSTGRESQL, "tls": "prefer"},
         Problem(f"{KEY}[0].tls", "expected verify-full, verify-ca, require, disable for engine postgresql, got "
                 "'prefer'")),
        ({**REDSHIFT, "tls": "require"},
         Problem(f"{KEY}[0].tls", "expected verify-full, verify-ca, disable for engine redshift, got 'require' "
                 "(redshift_connector always verifies the certificate; verify-ca skips only the host name)")),
        ({**CLICKHOUSE, "tls": "verify-ca"},
         Problem(f"{KEY}[0].tls", "expected verify-full, require, disable for engine clickhouse, got 'verify-ca' "
                 "(clickhouse-connect verifies the certificate and the host name together or not at all)")),
        ({**CLICKHOUSE, "port": 8123},
         Problem(f"{KEY}[0].port", "8123 is ClickHouse's plain HTTP interface, but tls is verify-full; give its "
                 "HTTPS port (8443, the default) or set tls disable")),
        ({**POSTGRESQL, "tlsCa": "letsencrypt"},
         Problem(f"{KEY}[0].tlsCa", "expected public or rds (the CA bundles in the image), got 'letsencrypt'")),
        ({**MYSQL, "tls": "require", "tlsCa": "public"},
         Problem(f"{KEY}[0].tlsCa", "has no effect with tls require (nothing is verified); remove it")),
        ({**REDSHIFT, "tlsCa": "public"},
         Problem(f"{KEY}[0].tlsCa", "redshift_connector verifies against its own Redshift CA bundle and the "
                 "image's public CAs; tlsCa does not apply, got 'public'; remove it")),
        ({**CLICKHOUSE, "tlsCa": "rds"},
         Problem(f"{KEY}[0].tlsCa", "clickhouse-connect verifies against the image's public CAs; tlsCa does not "
                 "apply, got 'rds'; remove it")),
        ({**EVERY_ENGINE[5], "tlsCa": "public"},
         Problem(f"{KEY}[0].tlsCa", "bigquery is always reached over HTTPS, verified by its driver; tlsCa does "
                 "not apply, got 'public'; remove it")),
    ],
)  # fmt: skip
def test_tls_is_a_mode_the_driver_offers_and_a_ca_only_where_it_verifies(
    connection: dict[str, Any], expected: Problem
) -> None:
    assert problems(connection) == [expected]


def test_an_rds_endpoint_in_a_region_the_image_bundle_lacks_cannot_be_verified() -> None:
    host = "orders.cluster-abc.ca-west-1.rds.amazonaws.com"  # ca-west-1 opened after the bundle's copy
    assert problems({**POSTGRESQL, "host": host}) == [
        Problem(f"{KEY}[0].host", f"{host} is an RDS endpoint in ca-west-1, whose root CA the image's RDS CA "
                "bundle (runtime/rds-ca-bundle.pem) lacks, so tls verify-full cannot verify it. Refresh the "
                "bundle (python -m superset_stack.runtime.rds_ca refresh), or set imageUri to an image that "
                "trusts it")
    ]  # fmt: skip
    china = "orders.cluster-abc.cn-north-1.rds.amazonaws.com.cn"
    assert problems({**POSTGRESQL, "host": china}) == [
        Problem(f"{KEY}[0].host", f"{china} is an RDS endpoint in cn-north-1, whose partition's RDS CAs are a "
                "bundle of their own that the image does not carry, so tls verify-full cannot verify it; set "
                "imageUri to an image that trusts them")
    ]  # fmt: skip
    # nothing to check where the bundle is not used: public CAs, no verification, a prebuilt image
    assert problems({**POSTGRESQL, "host": host, "tlsCa": "public"}) == []
    assert problems({**POSTGRESQL, "host": host, "tls": "require"}) == []
    prebuilt = replace(
        PRESETS["staging"],
        image_uri="registry/superset@sha256:" + "a" * 64,
        warehouse_connections=objects([{**POSTGRESQL, "host": host}], WAREHOUSE_CONNECTION),
    )
    assert validate_warehouse_connections(prebuilt) == []


def test_a_warehouse_on_a_network_needs_exactly_one_target() -> None:
    bare = {key: value for key, value in REDSHIFT.items() if key != "cidr"}
    assert problems(bare) == [
        Problem(f"{KEY}[0]", "needs exactly one target, cidr, prefixListId or securityGroupId; got none")
    ]
    assert problems({**REDSHIFT, "prefixListId": "pl-0123abcd"}) == [
        Problem(
            f"{KEY}[0]",
            "needs exactly one target, cidr, prefixListId or securityGroupId; got cidr, prefixListId",
        )
    ]
    assert problems({**REDSHIFT, "cidr": "0.0.0.0/0"}) == [
        Problem(f"{KEY}[0].cidr", "0.0.0.0/0 on port 5439 opens it to the whole internet; name the destination's "
                "own addresses (its CIDR or a prefix list), or waive "
                "aws-vpc-securitygroupegressrule-disallow-public-except-https")
    ]  # fmt: skip


def test_a_public_https_warehouse_needs_a_nat_gateway_or_a_private_endpoint() -> None:
    assert problems(SNOWFLAKE, preset="dev") == [
        Problem(f"{KEY}[0]", "snowflake is reached over HTTPS on the internet, but natGateways is none: the "
                "private subnets have no route there; choose natGateways single or one_per_az, or give the "
                "network target of a private endpoint (securityGroupId or prefixListId)")
    ]  # fmt: skip
    assert problems({**SNOWFLAKE, "securityGroupId": "sg-0123abcd"}, preset="dev") == []  # PrivateLink
    assert problems(SNOWFLAKE, preset="staging") == []  # through the NAT gateway
    assert problems({**SNOWFLAKE, "cidr": "0.0.0.0/0"}) == [
        Problem(
            f"{KEY}[0].cidr",
            "0.0.0.0/0 on 443 is already open: the stack allows HTTPS through its NAT gateways",
        )
    ]


def test_names_are_unique_regardless_of_case() -> None:
    assert problems(REDSHIFT, {**REDSHIFT, "name": "SALES", "cidr": "10.21.0.0/16"}) == [
        Problem(f"{KEY}[1].name", "repeats the name of warehouseConnections[0]: 'SALES'; Superset names each "
                "database once")
    ]  # fmt: skip


def test_a_rule_an_egress_destination_already_opens_is_refused() -> None:
    same = [{"description": "Redshift", "port": 5439, "cidr": "10.20.0.0/16"}]
    assert problems(REDSHIFT, egressDestinations=same) == [
        Problem(KEY, "Sales open cidr 10.20.0.0/16 on 5439, as egressDestinations[0] does; remove that entry "
                "(AWS refuses a rule twice)")
    ]  # fmt: skip


def test_the_rules_fit_the_app_group_with_the_egress_destinations() -> None:
    destinations = [{"description": f"d{i}", "port": 1000 + i, "cidr": "10.50.0.0/16"} for i in range(48)]
    three = [{**REDSHIFT, "name": f"s{i}", "cidr": f"10.{60 + i}.0.0/16"} for i in range(3)]
    assert problems(*three, egressDestinations=destinations) == [
        Problem(KEY, "their 3 egress rules and the 48 egress destinations make 51; at most 50 fit the app "
                "security group")
    ]  # fmt: skip


def test_at_most_twenty_connections() -> None:
    many = [{**SNOWFLAKE, "name": f"s{i}"} for i in range(21)]
    assert problems(*many) == [Problem(KEY, "at most 20 connections, got 21")]


def test_removals_name_connections_no_longer_declared() -> None:
    assert problems(REDSHIFT, removedWarehouseConnections=["Old", "sales", ""]) == [
        Problem("removedWarehouseConnections[1]", "'sales' is still in warehouseConnections; remove it from one "
                "of the two"),
        Problem("removedWarehouseConnections[2]", "empty; give the name of a connection to delete"),
    ]  # fmt: skip


def test_the_object_type_checks_kinds_and_unknown_fields_first() -> None:
    assert refused({**REDSHIFT, "allowDml": "sometimes", "passwrd": "x", "fileUploadSchemas": "public"}) == (
        f"{KEY}[0]: unknown field 'passwrd'; allowed: " + ", ".join(
            ("name", "engine", "host", "port", "database", "username", "passwordSecretArn", "passwordSecretKey",
             "account", "warehouse", "role", "project", "serviceAccountKeySecretArn", "workgroup", "region",
             "s3OutputLocation", "dataLocations", "exposeInSqlLab", "allowDml", "allowRunAsync", "allowFileUpload",
             "fileUploadSchemas", "cacheTimeoutSeconds", "tls", "tlsCa", "cidr", "prefixListId", "securityGroupId")),
        f"{KEY}[0].allowDml: expected true or false, got 'sometimes'",
        f"{KEY}[0].fileUploadSchemas: expected a list of texts, got 'public'",
    )  # fmt: skip
