"""The bootstrap's warehouse step without Superset: the declaration read back, every engine's URI
with a password that needs escaping, Superset's columns, and no credential in an error."""

from __future__ import annotations

import json
import subprocess
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from superset_stack.contract import parse
from superset_stack.runtime import warehouses
from superset_stack.runtime.warehouses import (
    Connection,
    DeclarationError,
    blanked,
    columns,
    credential_of,
    encrypted_extra,
    parse_declaration,
    sqlalchemy_uri,
    sync_warehouses,
)
from superset_stack.warehouses import declaration
from tests.unit.test_contract import AWS
from tests.unit.test_warehouses import CONNECTIONS

PASSWORD = "p@ss:w/rd?#%+ x"  # every character a URI reserves, a percent and a space
ESCAPED = "p%40ss%3Aw%2Frd%3F%23%25%2B%20x"
DECLARED = parse_declaration(declaration(CONNECTIONS, ["Old"], region="us-east-1"))
BY_ENGINE = {connection.engine: connection for connection in DECLARED.connections}


def test_the_declaration_reads_back_with_its_options_resolved() -> None:
    assert DECLARED.remove == ("Old",)
    assert BY_ENGINE["redshift"] == Connection(
        name="Sales", engine="redshift", port=5439, host="analytics.abc123.us-east-1.redshift.amazonaws.com",
        database="sales", username="superset_reader", credential="WAREHOUSE_CREDENTIAL_1", allow_run_async=True,
        cache_timeout=600, tls="verify-full",
    )  # fmt: skip
    assert (BY_ENGINE["postgresql"].tls, BY_ENGINE["postgresql"].tls_ca) == ("verify-full", "rds")
    assert (BY_ENGINE["snowflake"].tls, BY_ENGINE["snowflake"].tls_ca) == ("", "")
    assert BY_ENGINE["athena"].file_upload_schemas == ("uploads",)
    assert (BY_ENGINE["athena"].credential, BY_ENGINE["athena"].region) == ("", "us-east-1")


@pytest.mark.parametrize(
    ("engine", "uri"),
    [
        ("postgresql", f"postgresql+psycopg2://superset_reader:{ESCAPED}@orders.cluster-abc.us-east-1.rds."
                       "amazonaws.com:5432/orders?sslmode=verify-full&sslrootcert=%2Fapp%2Frds-ca.pem"),
        ("redshift", f"redshift+redshift_connector://superset_reader:{ESCAPED}@analytics.abc123.us-east-1."
                     "redshift.amazonaws.com:5439/sales?sslmode=verify-full"),
        ("mysql", f"mysql+pymysql://reporting:{ESCAPED}@shop.internal.example.com:3306/shop?ssl_ca=%2Fetc%2Fssl%2F"
                  "certs%2Fca-certificates.crt&ssl_check_hostname=true"),
        ("clickhouse", f"clickhousedb://default:{ESCAPED}@abc123.eu-west-1.aws.clickhouse.cloud:8443?secure=true"),
        ("snowflake", f"snowflake://SUPERSET:{ESCAPED}@xy12345.us-east-1/FINANCE/PUBLIC?warehouse=REPORTING"
                      "&role=SUPERSET"),
        ("bigquery", "bigquery://marketing-prod-123"),
        ("athena", "awsathena+rest://@athena.us-east-1.amazonaws.com:443/sales_lake?s3_staging_dir=s3%3A%2F%2F"
                   "athena-results-123%2Fsuperset%2F&work_group=analysts"),
    ],
)  # fmt: skip
def test_every_engine_gets_its_uri_with_the_password_escaped(engine: str, uri: str) -> None:
    connection = BY_ENGINE[engine]
    built = sqlalchemy_uri(connection, PASSWORD)
    assert built == uri
    if connection.username:  # read back as SQLAlchemy reads it: unescaped exactly once
        user, password = built.split("://", 1)[1].split("@", 1)[0].split(":")
        assert (unquote(user), unquote(password)) == (connection.username, PASSWORD)
    assert "#" not in built and " " not in built


def test_clickhouse_speaks_plain_http_only_when_told_and_a_user_may_need_escaping_too() -> None:
    plain = Connection(name="c", engine="clickhouse", port=8123, host="ch.internal", username="an@lyst",
                       database="events", tls="disable")  # fmt: skip
    assert sqlalchemy_uri(plain, "pw") == "clickhousedb://an%40lyst:pw@ch.internal:8123/events"


def host(engine: str, tls: str, tls_ca: str = "") -> Connection:
    return Connection(name="w", engine=engine, port=1234, host="db.internal", tls=tls, tls_ca=tls_ca)


@pytest.mark.parametrize(
    ("engine", "tls", "tls_ca", "query"),
    [
        ("postgresql", "verify-full", "public", "sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fcerts%2Fca-certificates.crt"),
        ("postgresql", "verify-ca", "rds", "sslmode=verify-ca&sslrootcert=%2Fapp%2Frds-ca.pem"),
        ("postgresql", "require", "", "sslmode=require"),
        ("postgresql", "disable", "", "sslmode=disable"),
        ("redshift", "verify-full", "", "sslmode=verify-full"),
        ("redshift", "verify-ca", "", "sslmode=verify-ca"),
        ("redshift", "disable", "", "ssl=false"),
        ("mysql", "verify-full", "rds", "ssl_ca=%2Fapp%2Frds-ca.pem&ssl_check_hostname=true"),
        ("mysql", "verify-ca", "public", "ssl_ca=%2Fetc%2Fssl%2Fcerts%2Fca-certificates.crt&ssl_check_hostname=false"),
        ("mysql", "require", "", "ssl_verify_cert=false"),
        ("mysql", "disable", "", "ssl_disabled=true"),
        ("clickhouse", "verify-full", "", "secure=true"),
        ("clickhouse", "require", "", "secure=true&verify=false"),
        ("clickhouse", "disable", "", ""),
    ],
)  # fmt: skip
def test_each_tls_mode_in_the_drivers_own_terms(engine: str, tls: str, tls_ca: str, query: str) -> None:
    assert urlsplit(sqlalchemy_uri(host(engine, tls, tls_ca), "pw")).query == query


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        (host("postgresql", ""), r"'w': unknown tls ''"),
        (host("mysql", "prefer"), r"'w': unknown tls 'prefer'"),
        (host("postgresql", "verify-full", "acme"), r"'w': unknown tlsCa 'acme'; this image has public, rds"),
        (host("mysql", "verify-full"), r"'w': tls verify-full needs a tlsCa to verify against"),
        (host("postgresql", "verify-ca"), r"'w': tls verify-ca needs a tlsCa to verify against"),
    ],
)  # fmt: skip
def test_a_tls_mode_that_would_verify_nothing_is_refused(connection: Connection, message: str) -> None:
    # PyMySQL without a CA file verifies nothing: a verifying mode must never lose its CA silently
    with pytest.raises(DeclarationError, match=message):
        sqlalchemy_uri(connection, "pw")


def test_a_query_value_keeps_its_plus_sign() -> None:
    snowflake = Connection(name="s", engine="snowflake", port=443, account="xy", database="DB", username="u",
                           warehouse="WH+1", role="R&D")  # fmt: skip
    query = urlsplit(sqlalchemy_uri(snowflake, "pw")).query
    assert dict(parse_qsl(query)) == {
        "warehouse": "WH+1",
        "role": "R&D",
    }  # parse_qsl turns a bare + into a space


def test_superset_columns_follow_the_options_and_mark_the_connection_managed() -> None:
    assert columns(BY_ENGINE["athena"], "") == {
        "expose_in_sqllab": True, "allow_dml": False, "allow_run_async": False, "allow_file_upload": True,
        "cache_timeout": None, "encrypted_extra": None, "is_managed_externally": True,
        "extra": json.dumps({"engine_params": {}, "metadata_cache_timeout": {}, "metadata_params": {},
                             "schemas_allowed_for_file_upload": ["uploads"]}, sort_keys=True),
    }  # fmt: skip


def test_a_bigquery_key_goes_encrypted_into_encrypted_extra() -> None:
    key = json.dumps({"type": "service_account", "project_id": "marketing-prod-123", "private_key": "-----"})
    assert json.loads(encrypted_extra(BY_ENGINE["bigquery"], key) or "") == {
        "credentials_info": json.loads(key)
    }
    with pytest.raises(DeclarationError, match=r"'Marketing': the secret holds no JSON service-account key"):
        encrypted_extra(BY_ENGINE["bigquery"], "not json")


def test_a_credential_that_did_not_arrive_is_named_by_its_variable() -> None:
    assert credential_of(BY_ENGINE["redshift"], {"WAREHOUSE_CREDENTIAL_1": PASSWORD}) == PASSWORD
    assert credential_of(BY_ENGINE["athena"], {}) == ""  # the task role
    with pytest.raises(
        DeclarationError, match=r"'Sales': WAREHOUSE_CREDENTIAL_1 is empty; its secret did not"
    ):
        credential_of(BY_ENGINE["redshift"], {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "WAREHOUSE_CONNECTIONS is not a declaration"),
        ('{"remove": []}', "WAREHOUSE_CONNECTIONS is not a declaration: 'connections'"),
        ('{"connections": [{"name": "x", "engine": "oracle", "port": 1}]}', r"unknown engine\(s\) \['oracle'\]"),
        ('{"connections": [{"name": "x", "engine": "mysql", "port": 1, "pasword": "p"}]}',
         r"connection 'x': unknown keys \['pasword'\]"),
    ],
)  # fmt: skip
def test_a_malformed_declaration_is_refused(text: str, message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        parse_declaration(text)


def test_errors_are_reported_with_every_credential_blanked() -> None:
    secrets = {"WAREHOUSE_CREDENTIAL_0": PASSWORD}
    assert blanked(f"could not connect with {PASSWORD} to postgresql://u:{ESCAPED}@h", secrets) == (
        "could not connect with *** to postgresql://u:***@h"
    )


def test_the_contract_carries_the_declaration_and_only_the_credentials_given() -> None:
    runtime = parse({**AWS, "WAREHOUSE_CONNECTIONS": '{"connections": []}', "WAREHOUSE_CREDENTIAL_3": "pw",
                     "WAREHOUSE_CREDENTIAL_4": ""})  # fmt: skip
    assert (runtime.warehouse_connections, runtime.warehouse_credentials) == (
        '{"connections": []}', {"WAREHOUSE_CREDENTIAL_3": "pw"}
    )  # fmt: skip


def test_the_bootstrap_step_runs_only_with_a_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[Any] = []
    monkeypatch.setattr(
        warehouses.subprocess, "run", lambda command, **options: ran.append((command, options))
    )
    sync_warehouses(parse(AWS))
    assert ran == []
    sync_warehouses(parse({**AWS, "WAREHOUSE_CONNECTIONS": '{"connections": []}'}))
    [(command, options)] = ran
    assert command[1:] == ["-m", "superset_stack.runtime.warehouses"] and options == {"check": True}
    assert subprocess.run is not None  # the module's own reference was patched, not the standard library
