"""IAM database authentication (runtime/db_auth.py) in the real runtime, with fixed fake credentials.

The metadata engine is built from superset_config.py's URI and options exactly as Flask-SQLAlchemy
builds it (`engine_from_config(options, prefix="")`); a listener registered after the plugin's
records what each new connection would be opened with and stops there (no server needed). A clock
handed to botocore moves 16 minutes between connections: each gets a token signed at its own
moment. Engines Superset would make for users' databases, even one on the same host and user, get
nothing from the plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.runtime_venv import CONFIG, SOURCE, runtime_python
from tests.unit.test_contract import AWS

PROBE = """
import datetime, importlib.util, json, sys
from unittest import mock
import boto3, botocore.auth
from sqlalchemy import create_engine, engine_from_config, event

spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)

calls = []
real_client = boto3.client
def counting_client(*args, **kwargs):
    client = real_client(*args, **kwargs)
    generate = client.generate_db_auth_token
    def counted(**parameters):
        calls.append(parameters)
        return generate(**parameters)
    client.generate_db_auth_token = counted
    return client

start = datetime.datetime(2026, 11, 30, 12, 0, 0)
moments = iter(start + datetime.timedelta(minutes=16 * n) for n in range(10))

class Stop(Exception):
    pass

def recorder(seen):
    def record(dialect, record, cargs, cparams):
        seen.append({key: cparams.get(key) for key in ("host", "port", "user", "password")})
        raise Stop
    return record

def connect(engine, times):
    for _ in range(times):
        try:
            engine.connect()
        except Stop:
            pass

result = {}
with mock.patch("boto3.client", counting_client), \\
        mock.patch.object(botocore.auth, "get_current_datetime", lambda: next(moments)):
    metadata = engine_from_config({**config.SQLALCHEMY_ENGINE_OPTIONS, "url": config.SQLALCHEMY_DATABASE_URI}, prefix="")
    event.listen(metadata, "do_connect", recorder(result.setdefault("metadata", [])))
    connect(metadata, 2)
    same_host = create_engine(config.SQLALCHEMY_DATABASE_URI)
    event.listen(same_host, "do_connect", recorder(result.setdefault("same_host", [])))
    warehouse = create_engine("postgresql+psycopg2://analyst:their-own@warehouse.internal:5439/sales")
    event.listen(warehouse, "do_connect", recorder(result.setdefault("warehouse", [])))
    connect(same_host, 1)
    connect(warehouse, 1)
result["calls"] = calls
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def probed() -> dict[str, Any]:
    environment = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **AWS, "DATABASE_REGION": "eu-west-1",
        # fixed fake credentials, and nothing else boto3 could find
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
    }  # fmt: skip
    done = subprocess.run([str(runtime_python()), "-c", PROBE, str(CONFIG)], env=environment,
                          capture_output=True, text=True, check=False, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def token_parts(token: str) -> tuple[str, dict[str, str]]:
    """`host:port` and the query of a token (a presigned URL without its scheme)."""
    parts = urlsplit(f"https://{token}")
    return parts.netloc, {key: values[0] for key, values in parse_qs(parts.query).items()}


def test_each_new_metadata_connection_gets_a_token_signed_for_it_at_its_own_moment(
    probed: dict[str, Any],
) -> None:
    first, second = probed["metadata"]
    assert [(c["host"], c["port"], c["user"]) for c in (first, second)] == [
        ("db.internal", 5432, "superset_app")
    ] * 2
    signed = [token_parts(c["password"]) for c in (first, second)]
    for netloc, query in signed:
        assert netloc == "db.internal:5432"
        assert (query["Action"], query["DBUser"], query["X-Amz-Expires"]) == (
            "connect",
            "superset_app",
            "900",
        )
        assert query["X-Amz-Credential"].split("/")[:4] == ["AKIDEXAMPLE", "20261130", "eu-west-1", "rds-db"]
    # 16 minutes apart, past a token's 15: the second connection did not get the first one's token
    assert [query["X-Amz-Date"] for _, query in signed] == ["20261130T120000Z", "20261130T121600Z"]
    assert signed[0][1]["X-Amz-Signature"] != signed[1][1]["X-Amz-Signature"]
    assert (
        probed["calls"]
        == [{"DBHostname": "db.internal", "Port": 5432, "DBUsername": "superset_app", "Region": "eu-west-1"}]
        * 2
    )


def test_engines_for_users_databases_get_nothing_from_the_plugin(probed: dict[str, Any]) -> None:
    # same host and user as the metadata, but not the metadata engine: no token
    assert probed["same_host"] == [
        {"host": "db.internal", "port": 5432, "user": "superset_app", "password": None}
    ]
    assert probed["warehouse"] == [
        {"host": "warehouse.internal", "port": 5439, "user": "analyst", "password": "their-own"}
    ]
    assert len(probed["calls"]) == 2  # the two metadata connections only
