"""What follows from a declaration of warehouse connections: drivers, egress paths, the bootstrap's
declaration and secrets, the Athena scope and the plan's entries, with no secret value anywhere."""

from __future__ import annotations

import json
from typing import Any

from superset_stack.runtime.warehouses import SCHEMES
from superset_stack.warehouses import (
    ENGINES,
    WAREHOUSE_DRIVERS,
    AthenaAccess,
    NetworkPath,
    S3Location,
    athena_access,
    credentials,
    declaration,
    image_drivers,
    network_paths,
    plan_entries,
    secret_arns,
)
from tests.conftest import make_settings

ACCOUNT = "arn:aws:secretsmanager:us-east-1:123456789012:secret"
# One connection per engine, as a stack file declares them (README "Warehouse connections").
EVERY_ENGINE: list[dict[str, Any]] = [
    {"name": "Orders", "engine": "postgresql", "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com",
     "database": "orders", "username": "superset_reader", "passwordSecretArn": f"{ACCOUNT}:orders-AbCdEf",
     "passwordSecretKey": "password", "securityGroupId": "sg-0123456789abcdef0"},
    {"name": "Sales", "engine": "redshift", "host": "analytics.abc123.us-east-1.redshift.amazonaws.com",
     "database": "sales", "username": "superset_reader", "passwordSecretArn": f"{ACCOUNT}:redshift-AbCdEf",
     "cidr": "10.20.0.0/16", "allowRunAsync": True, "cacheTimeoutSeconds": 600},
    {"name": "Shop", "engine": "mysql", "host": "shop.internal.example.com", "database": "shop",
     "username": "reporting", "passwordSecretArn": f"{ACCOUNT}:shop-AbCdEf", "cidr": "10.30.0.0/16"},
    {"name": "Events", "engine": "clickhouse", "host": "abc123.eu-west-1.aws.clickhouse.cloud",
     "username": "default", "passwordSecretArn": f"{ACCOUNT}:clickhouse-AbCdEf",
     "prefixListId": "pl-0123456789abcdef0"},
    {"name": "Finance", "engine": "snowflake", "account": "xy12345.us-east-1", "warehouse": "REPORTING",
     "database": "FINANCE/PUBLIC", "role": "SUPERSET", "username": "SUPERSET",
     "passwordSecretArn": f"{ACCOUNT}:snowflake-AbCdEf"},
    {"name": "Marketing", "engine": "bigquery", "project": "marketing-prod-123",
     "serviceAccountKeySecretArn": f"{ACCOUNT}:bigquery-key-AbCdEf"},
    {"name": "Lake", "engine": "athena", "workgroup": "analysts", "database": "sales_lake",
     "s3OutputLocation": "s3://athena-results-123/superset/", "dataLocations": ["s3://lake-123/sales/"],
     "allowFileUpload": True, "fileUploadSchemas": ["uploads"]},
]  # fmt: skip
SETTINGS = make_settings("staging", warehouseConnections=EVERY_ENGINE, removedWarehouseConnections=["Old"])
CONNECTIONS = SETTINGS.warehouse_connections


def test_every_engine_has_a_uri_scheme_and_every_driver_a_lock_of_its_own() -> None:
    assert set(ENGINES) == set(SCHEMES) == {
        "postgresql", "redshift", "mysql", "clickhouse", "snowflake", "bigquery", "athena"
    }  # fmt: skip
    assert {e.driver for e in ENGINES.values()} - {None} == set(WAREHOUSE_DRIVERS)


def test_the_image_gets_the_drivers_the_connections_need_and_the_chosen_ones() -> None:
    assert image_drivers(CONNECTIONS) == (
        "athena",
        "bigquery",
        "clickhouse",
        "mysql",
        "redshift",
        "snowflake",
    )
    assert image_drivers(CONNECTIONS[:1], ["clickhouse"]) == (
        "clickhouse",
    )  # PostgreSQL: in the runtime lock
    assert image_drivers((), ()) == ()


def test_one_path_per_target_and_port_none_for_https_through_nat() -> None:
    assert network_paths(CONNECTIONS) == (
        NetworkPath("securityGroupId", "sg-0123456789abcdef0", 5432, ("postgresql",), ("Orders",)),
        NetworkPath("cidr", "10.20.0.0/16", 5439, ("redshift",), ("Sales",)),
        NetworkPath("cidr", "10.30.0.0/16", 3306, ("mysql",), ("Shop",)),
        NetworkPath("prefixListId", "pl-0123456789abcdef0", 8443, ("clickhouse",), ("Events",)),
    )


def test_connections_on_one_target_and_port_share_its_rule_with_a_description_aws_accepts() -> None:
    two = make_settings("staging", warehouseConnections=[
        {**EVERY_ENGINE[1], "name": "Sales & Co"}, {**EVERY_ENGINE[1], "name": "Sales | archive", "database": "old"},
    ]).warehouse_connections  # fmt: skip
    [path] = network_paths(two)
    assert (path.port, path.names) == (5439, ("Sales & Co", "Sales | archive"))
    assert path.description == "Warehouse Sales - Co, Sales - archive (redshift)"


def test_the_declaration_carries_no_secret_and_names_each_credential_variable() -> None:
    document = json.loads(declaration(CONNECTIONS, ["Old"], region="us-east-1"))
    assert document["remove"] == ["Old"]
    orders, sales, shop, events, finance, marketing, lake = document["connections"]
    assert orders == {
        "name": "Orders", "engine": "postgresql", "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com",
        "port": 5432, "database": "orders", "username": "superset_reader", "credential": "WAREHOUSE_CREDENTIAL_0",
        "exposeInSqlLab": True, "allowDml": False, "allowRunAsync": False, "allowFileUpload": False,
        "fileUploadSchemas": [], "cacheTimeoutSeconds": None, "tls": "verify-full", "tlsCa": "rds",
    }  # fmt: skip
    # verified by default: an RDS endpoint against the RDS CAs, another host against the public ones;
    # redshift_connector and clickhouse-connect bring their own CAs, the HTTPS APIs have no choice
    assert [(c.get("tls"), c.get("tlsCa")) for c in (sales, shop, events, finance, marketing, lake)] == [
        ("verify-full", None),
        ("verify-full", "public"),
        ("verify-full", None),
        (None, None),
        (None, None),
        (None, None),
    ]
    assert (sales["allowRunAsync"], sales["cacheTimeoutSeconds"], events["port"]) == (True, 600, 8443)
    assert (finance["account"], finance["warehouse"], finance["role"]) == (
        "xy12345.us-east-1",
        "REPORTING",
        "SUPERSET",
    )
    assert (marketing["project"], marketing["credential"]) == ("marketing-prod-123", "WAREHOUSE_CREDENTIAL_5")
    assert lake == {
        "name": "Lake", "engine": "athena", "database": "sales_lake", "workgroup": "analysts", "port": 443,
        "s3OutputLocation": "s3://athena-results-123/superset/", "region": "us-east-1",
        "exposeInSqlLab": True, "allowDml": False, "allowRunAsync": False, "allowFileUpload": True,
        "fileUploadSchemas": ["uploads"], "cacheTimeoutSeconds": None,
    }  # fmt: skip
    text = declaration(CONNECTIONS, [], region="us-east-1")
    assert "arn:" not in text and "cidr" not in text  # the bootstrap needs neither
    assert text == declaration(CONNECTIONS, [], region="us-east-1")  # stable: no spurious task revision


def test_credentials_arrive_by_valuefrom_and_the_execution_role_reads_exactly_their_secrets() -> None:
    assert credentials(CONNECTIONS) == {
        "WAREHOUSE_CREDENTIAL_0": f"{ACCOUNT}:orders-AbCdEf:password::",
        "WAREHOUSE_CREDENTIAL_1": f"{ACCOUNT}:redshift-AbCdEf",
        "WAREHOUSE_CREDENTIAL_2": f"{ACCOUNT}:shop-AbCdEf",
        "WAREHOUSE_CREDENTIAL_3": f"{ACCOUNT}:clickhouse-AbCdEf",
        "WAREHOUSE_CREDENTIAL_4": f"{ACCOUNT}:snowflake-AbCdEf",
        "WAREHOUSE_CREDENTIAL_5": f"{ACCOUNT}:bigquery-key-AbCdEf",
    }
    assert secret_arns(CONNECTIONS) == tuple(
        f"{ACCOUNT}:{name}-AbCdEf"
        for name in ("orders", "redshift", "shop", "clickhouse", "snowflake", "bigquery-key")
    )
    assert secret_arns([*CONNECTIONS, CONNECTIONS[0]]) == secret_arns(CONNECTIONS)  # each once


def test_athena_reach_is_its_workgroup_region_results_database_and_data() -> None:
    assert athena_access(CONNECTIONS, region="us-east-1") == (
        AthenaAccess(region="us-east-1", workgroup="analysts", output=S3Location("athena-results-123", "superset/"),
                     database="sales_lake", data=(S3Location("lake-123", "sales/"),)),
    )  # fmt: skip
    elsewhere = make_settings("staging", warehouseConnections=[
        {**EVERY_ENGINE[-1], "region": "eu-west-1", "s3OutputLocation": "s3://results-eu/", "dataLocations": []}
    ]).warehouse_connections  # fmt: skip
    assert athena_access(elsewhere, region="us-east-1") == (
        AthenaAccess(region="eu-west-1", workgroup="analysts", output=S3Location("results-eu", ""),
                     database="sales_lake", data=()),
    )  # fmt: skip


def test_the_plan_lists_each_connection_with_its_egress_and_no_secret() -> None:
    entries = plan_entries(CONNECTIONS, region="us-east-1", internet_egress=True)
    assert entries[1] == {
        "name": "Sales", "engine": "redshift", "address": "analytics.abc123.us-east-1.redshift.amazonaws.com:5439",
        "database": "sales",
        "options": {"exposeInSqlLab": True, "allowDml": False, "allowRunAsync": True, "allowFileUpload": False,
                    "fileUploadSchemas": [], "cacheTimeoutSeconds": 600},
        "tls": "verify-full (verified: certificate and host name)",
        "egress": "egress rule: TCP 5439 to cidr 10.20.0.0/16",
        "credential": f"{ACCOUNT}:redshift-AbCdEf",
    }  # fmt: skip
    assert [entry["tls"] for entry in (entries[0], entries[2], entries[4])] == [
        "verify-full (verified: certificate and host name against the RDS CA bundle)",
        "verify-full (verified: certificate and host name against the public CAs)",
        "HTTPS, verified by the driver",
    ]
    assert [entry["address"] for entry in entries[4:]] == [
        "xy12345.us-east-1.snowflakecomputing.com:443",
        "bigquery.googleapis.com:443 (project marketing-prod-123)",
        "athena.us-east-1.amazonaws.com:443 (workgroup analysts)",
    ]
    assert entries[-1]["credential"] == "the task role"
    assert entries[4]["egress"] == "HTTPS (443) through the NAT gateways (the stack's app-to-internet rule)"
    private = plan_entries(CONNECTIONS[4:5], region="us-east-1", internet_egress=False)
    assert private[0]["egress"] == "no path: needs a NAT gateway or a network target"


def test_a_weaker_tls_is_what_was_asked_and_the_plan_says_so() -> None:
    weaker = make_settings("staging", warehouseConnections=[
        {**EVERY_ENGINE[0], "tls": "verify-ca"}, {**EVERY_ENGINE[2], "tls": "verify-full", "tlsCa": "rds"},
        {**EVERY_ENGINE[2], "name": "Shop copy", "tls": "require"}, {**EVERY_ENGINE[3], "tls": "disable"},
    ]).warehouse_connections  # fmt: skip
    document = json.loads(declaration(weaker, [], region="us-east-1"))
    assert [(c["tls"], c.get("tlsCa")) for c in document["connections"]] == [
        ("verify-ca", "rds"),
        ("verify-full", "rds"),
        ("require", None),
        ("disable", None),
    ]
    assert [entry["tls"] for entry in plan_entries(weaker, region="us-east-1", internet_egress=True)] == [
        "verify-ca (verified: certificate, not the host name against the RDS CA bundle)",
        "verify-full (verified: certificate and host name against the RDS CA bundle)",
        "require (encrypted, server NOT verified)",
        "disable (UNENCRYPTED)",
    ]
