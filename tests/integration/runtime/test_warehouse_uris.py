"""Every engine's URI as the runtime's SQLAlchemy reads it: user, password, host, port, database and
query come back exactly as declared, a password of reserved characters included; and the TLS query
becomes the connect arguments psycopg2 and PyMySQL are given."""

from __future__ import annotations

import json
import os
import subprocess

from superset_stack.runtime.warehouses import sqlalchemy_uri
from tests.runtime_venv import SOURCE, runtime_python
from tests.unit.runtime.test_warehouses import BY_ENGINE, PASSWORD, host

PUBLIC = "/etc/ssl/certs/ca-certificates.crt"

READ = """
import json, sys
from sqlalchemy.engine.url import make_url
found = {}
for engine, uri in json.loads(sys.stdin.read()).items():
    url = make_url(uri)
    found[engine] = [url.drivername, url.username, url.password, url.host, url.port, url.database, dict(url.query)]
print(json.dumps(found))
"""
# The dialects build connect arguments without their driver imported (PyMySQL is a driver lock's).
CONNECT_ARGS = """
import json, sys
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine.url import make_url
uris = json.loads(sys.stdin.read())
dialects = {"postgresql": PGDialect_psycopg2(), "mysql": MySQLDialect_pymysql()}
found = {engine: dialects[engine].create_connect_args(make_url(uri))[1] for engine, uri in uris.items()}
print(json.dumps({engine: {k: v for k, v in args.items() if "ssl" in k} for engine, args in found.items()}))
"""


def in_runtime(script: str, uris: dict[str, str]) -> object:
    result = subprocess.run(
        [str(runtime_python()), "-c", script], input=json.dumps(uris), capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE)}, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlalchemy_reads_back_what_each_connection_declares() -> None:
    uris = {engine: sqlalchemy_uri(connection, PASSWORD) for engine, connection in BY_ENGINE.items()}
    assert in_runtime(READ, uris) == {
        "postgresql": ["postgresql+psycopg2", "superset_reader", PASSWORD,
                       "orders.cluster-abc.us-east-1.rds.amazonaws.com", 5432, "orders",
                       {"sslmode": "verify-full", "sslrootcert": "/app/rds-ca.pem"}],
        "redshift": ["redshift+redshift_connector", "superset_reader", PASSWORD,
                     "analytics.abc123.us-east-1.redshift.amazonaws.com", 5439, "sales", {"sslmode": "verify-full"}],
        "mysql": ["mysql+pymysql", "reporting", PASSWORD, "shop.internal.example.com", 3306, "shop",
                  {"ssl_ca": PUBLIC, "ssl_check_hostname": "true"}],
        "clickhouse": ["clickhousedb", "default", PASSWORD, "abc123.eu-west-1.aws.clickhouse.cloud", 8443, None,
                       {"secure": "true"}],
        "snowflake": ["snowflake", "SUPERSET", PASSWORD, "xy12345.us-east-1", None, "FINANCE/PUBLIC",
                      {"warehouse": "REPORTING", "role": "SUPERSET"}],
        "bigquery": ["bigquery", None, None, "marketing-prod-123", None, None, {}],
        "athena": ["awsathena+rest", "", None, "athena.us-east-1.amazonaws.com", 443, "sales_lake",
                   {"s3_staging_dir": "s3://athena-results-123/superset/", "work_group": "analysts"}],
    }  # fmt: skip


def test_the_tls_query_reaches_psycopg2_and_pymysql_as_their_connect_arguments() -> None:
    uris = {engine: sqlalchemy_uri(BY_ENGINE[engine], PASSWORD) for engine in ("postgresql", "mysql")}
    assert in_runtime(CONNECT_ARGS, uris) == {
        "postgresql": {"sslmode": "verify-full", "sslrootcert": "/app/rds-ca.pem"},
        "mysql": {"ssl": {"ca": PUBLIC, "check_hostname": True}},  # PyMySQL's ssl options: verified
    }
    unverified = {"mysql": sqlalchemy_uri(host("mysql", "require"), "pw")}
    assert in_runtime(CONNECT_ARGS, unverified) == {"mysql": {"ssl_verify_cert": "false"}}
