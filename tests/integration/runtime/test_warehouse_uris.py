"""Every engine's URI as the runtime's SQLAlchemy reads it: user, password, host, port, database and
query come back exactly as declared, a password of reserved characters included."""

from __future__ import annotations

import json
import os
import subprocess

from superset_stack.runtime.warehouses import sqlalchemy_uri
from tests.runtime_venv import SOURCE, runtime_python
from tests.unit.runtime.test_warehouses import BY_ENGINE, PASSWORD

READ = """
import json, sys
from sqlalchemy.engine.url import make_url
found = {}
for engine, uri in json.loads(sys.stdin.read()).items():
    url = make_url(uri)
    found[engine] = [url.drivername, url.username, url.password, url.host, url.port, url.database, dict(url.query)]
print(json.dumps(found))
"""


def test_sqlalchemy_reads_back_what_each_connection_declares() -> None:
    uris = {engine: sqlalchemy_uri(connection, PASSWORD) for engine, connection in BY_ENGINE.items()}
    result = subprocess.run(
        [str(runtime_python()), "-c", READ], input=json.dumps(uris), capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE)}, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "postgresql": ["postgresql+psycopg2", "superset_reader", PASSWORD,
                       "orders.cluster-abc.us-east-1.rds.amazonaws.com", 5432, "orders", {}],
        "redshift": ["redshift+redshift_connector", "superset_reader", PASSWORD,
                     "analytics.abc123.us-east-1.redshift.amazonaws.com", 5439, "sales", {}],
        "mysql": ["mysql+pymysql", "reporting", PASSWORD, "shop.internal.example.com", 3306, "shop", {}],
        "clickhouse": ["clickhousedb", "default", PASSWORD, "abc123.eu-west-1.aws.clickhouse.cloud", 8443, None,
                       {"secure": "true"}],
        "snowflake": ["snowflake", "SUPERSET", PASSWORD, "xy12345.us-east-1", None, "FINANCE/PUBLIC",
                      {"warehouse": "REPORTING", "role": "SUPERSET"}],
        "bigquery": ["bigquery", None, None, "marketing-prod-123", None, None, {}],
        "athena": ["awsathena+rest", "", None, "athena.us-east-1.amazonaws.com", 443, "sales_lake",
                   {"s3_staging_dir": "s3://athena-results-123/superset/", "work_group": "analysts"}],
    }  # fmt: skip
