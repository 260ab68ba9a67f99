"""Live acceptance: a throw-away dev stack on real AWS, checked end to end, destroyed in every case.

With the Automation API: `pulumi up` of a fresh stack `live-<UTC time>` (the dev preset, always on,
in SUPERSET_LIVE_REGION), then /health over https, a login and a chart query through the API, the
unhealthy-hosts alarm reaching OK and the migration task's exit 0, then `pulumi destroy` also when
a step fails (superset_stack.acceptance). Runs only with AWS credentials, the Pulumi CLI and the
SUPERSET_LIVE_* variables (conftest.py); docs/operations.md has the cost and duration.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
from pulumi import automation

from benchmarks.client import Api
from superset_stack.acceptance.checks import (
    AcceptanceError,
    Patience,
    check_migration,
    secret_value,
    wait_for_alarm,
    wait_for_health,
)
from superset_stack.acceptance.run import LiveSettings, run_live, stack_config, stack_name
from superset_stack.acceptance.teardown import Teardown

ROOT = Path(__file__).resolve().parents[2]  # Pulumi.yaml: the project the stack is of


def chart_query(outputs: dict[str, Any], secretsmanager: Any) -> str:
    """Log in as the bootstrap admin, connect Superset to its own metadata database (the only
    database a fresh stack has) and run a chart query on one of its tables through the API."""
    api = Api.login(outputs["url"], "admin", secret_value(secretsmanager, outputs["adminPasswordSecretArn"]))
    master = outputs["databaseMasterUserSecretArn"]
    user, password = (
        quote(secret_value(secretsmanager, master, key), safe="") for key in ("username", "password")
    )
    uri = (f"postgresql+psycopg2://{user}:{password}@{outputs['databaseAddress']}:{outputs['databasePort']}/"
           f"{outputs['databaseName']}?sslmode=verify-full&sslrootcert=/app/rds-ca.pem")  # fmt: skip
    database = api.create("/api/v1/database/", {"database_name": "metadata", "sqlalchemy_uri": uri})
    dataset = api.create(
        "/api/v1/dataset/", {"database": database, "schema": "public", "table_name": "ab_role"}
    )
    roles = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "roles"}
    response = api.post("/api/v1/chart/data", {
        "datasource": {"id": dataset, "type": "table"}, "queries": [{"columns": [], "metrics": [roles]}],
        "result_format": "json", "result_type": "full",
    })  # fmt: skip
    if response.status_code != 200:
        raise AcceptanceError(f"chart data answered {response.status_code}: {response.text[:300]}")
    count = response.json()["result"][0]["data"][0]["roles"]
    if count < 1:
        raise AcceptanceError(f"the chart counted {count} roles; `superset init` creates five")
    return f"{count} roles counted"


def test_a_dev_stack_comes_up_serves_a_chart_and_is_destroyed() -> None:
    live = LiveSettings.from_environ(os.environ)
    aws = boto3.Session(region_name=live.region).client
    stack = automation.create_or_select_stack(
        stack_name=stack_name(datetime.now(UTC)),
        work_dir=str(ROOT),
        opts=automation.LocalWorkspaceOptions(secrets_provider=live.secrets_provider or None),
    )
    cloudwatch, ecs, secrets = aws("cloudwatch"), aws("ecs"), aws("secretsmanager")
    checks = [
        # DNS, the certificate and the targets: minutes after `pulumi up` at most
        ("/health over https", lambda o: wait_for_health(o["url"], Patience(timeout_seconds=900, poll_seconds=15))),
        ("login and a chart query", lambda o: chart_query(o, secrets)),
        ("unhealthy-hosts alarm OK", lambda o: wait_for_alarm(
            cloudwatch, Patience(timeout_seconds=900, poll_seconds=30),
            topic_arn=o["alarmTopicArn"], name_prefix="superset-ops-unhealthy-hosts-")),
        ("migration task exit 0", lambda o: check_migration(
            ecs, cluster=o["clusterName"], task_definition_arn=o["migrationTaskDefinitionArn"])),
    ]  # fmt: skip
    teardown = Teardown(s3=aws("s3"), ecr=aws("ecr"), backup=aws("backup"), rds=aws("rds"))
    outputs = run_live(stack, stack_config(live), checks, teardown)
    assert outputs["url"] == f"https://{live.domain_name}"
