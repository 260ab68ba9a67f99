"""The like-aws twin's environment against the prod ECS tasks': every difference has its reason.

The ECS side is the recorded plan of the prod preset (tests/plans/preset-prod.json): the web task
definition for gunicorn, Celery and beat, the migration task definition for the bootstrap. A
variable set on one side only, or a plain value that differs, must be in DIFFERENCES for that role
(or in EVERY_ROLE); a reason whose difference has gone must go too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from superset_stack.local.twin import Twin, TwinOptions

PLAN = Path(__file__).resolve().parents[2] / "plans" / "preset-prod.json"

# name -> why the like-aws twin's value (or its absence) differs from every prod ECS task's
EVERY_ROLE: dict[str, str] = {
    "SUPERSET_PUBLIC_URL": "the load balancer's stand-in listens on https://localhost:<port>, not on the "
    "stack's domain",
    "DATABASE_HOST": "the RDS endpoint's name there, localhost here; verify-full checks either name",
    "DATABASE_PORT": "PostgreSQL's own port there, the twin's (an option) here",
    "DATABASE_SSLROOTCERT": "the RDS CA bundle baked into the image there, the twin's CA here",
    "REDIS_HOST": "the ElastiCache primary endpoint's name there, localhost here; every client checks it",
    "REDIS_PORT": "ElastiCache's port there, the twin's (an option) here",
    "REDIS_CA_FILE": "unset on ECS: ElastiCache's certificate is publicly trusted (the system CA bundle); "
    "the twin's Redis has a certificate from the twin's CA",
    "SERVER_WORKER_AMOUNT": "sized for the Fargate task there, for a 2-core machine here",
    "SERVER_THREADS_AMOUNT": "sized for the Fargate task there, for a 2-core machine here",
    "CELERY_CONCURRENCY": "sized for the Fargate task there, for a 2-core machine here",
    "SUPERSET_BIND_ADDRESS": "unset on ECS (0.0.0.0 in the task's own network namespace); on a shared "
    "machine gunicorn stays on loopback, behind the proxy",
    "SUPERSET_HOME": "the task's volume there, a folder in the state folder here",
    "RESULTS_S3_BUCKET": "no S3 here: SQL Lab results stay in Redis (the contract's empty default)",
    "RESULTS_S3_PREFIX": "used only with a bucket",
    "SUPERSET_INTERNAL_URL": "the web service's Cloud Map name there (the worker reaches it through the VPC), "
    "gunicorn on loopback here; both plain http that the runtime treats as https",
    "SMTP_HOST": "the prod preset names no relay (smtpHost is the user's, e.g. Amazon SES); the twin runs its own "
    "on loopback, as localhost for its certificate",
    "SMTP_PORT": "no relay in the prod preset; the twin's relay port (an option) here",
    "SMTP_SECURITY": "no relay in the prod preset (the contract's default, starttls); starttls here",
    "SMTP_USER": "no relay in the prod preset; the twin relay's login here",
    "SMTP_MAIL_FROM": "no relay in the prod preset; the twin's sender here",
    "SMTP_PASSWORD": "worker only, on both sides: the prod preset names no password secret (smtpPasswordSecretArn)",
}
IAM = (
    "IAM database authentication exists only on RDS: there web, worker and beat log in as the app role "
    "with a token per connection (DATABASE_AUTH=iam, DATABASE_REGION, no password), here as the same "
    "role with a password"
)
APP_ROLE = {"DATABASE_AUTH": IAM, "DATABASE_REGION": IAM, "DATABASE_PASSWORD": IAM}
# role -> name -> why that process's value differs from its ECS task's (beside EVERY_ROLE)
DIFFERENCES: dict[str, dict[str, str]] = {
    "web": APP_ROLE,
    "worker": APP_ROLE,
    "beat": APP_ROLE,
    "bootstrap": {
        "DATABASE_USER": "the stack's master user name there, the twin's superuser here",
        "DATABASE_APP_PASSWORD": "no password there: the app role logs in by IAM (rds_iam); the twin's "
        "bootstrap gives it the password from secrets.json",
        "DATABASE_APP_CONNECTION_LIMIT": "what the RDS instance class leaves the application there, what "
        "the twin's PostgreSQL (max_connections 100) leaves it here; the same formula",
    },
}


def ecs_environment(family_suffix: str) -> dict[str, str | None]:
    """Plain values of one task definition's container; secrets as None (only their names compare)."""
    resources = json.loads(PLAN.read_text())["resources"]
    [definition] = [
        resource["inputs"]
        for resource in resources
        if resource["type"] == "aws:ecs/taskDefinition:TaskDefinition"
        and resource["name"].endswith(f"-{family_suffix}")
    ]
    [container] = json.loads(definition["containerDefinitions"])
    return {
        **{item["name"]: item["value"] for item in container["environment"]},
        **{item["name"]: None for item in container["secrets"]},
    }


def differences(twin: dict[str, str], ecs: dict[str, str | None]) -> set[str]:
    only_one_side = set(twin) ^ set(ecs)
    plain_values_differ = {
        name for name in set(twin) & set(ecs) if ecs[name] is not None and twin[name] != ecs[name]
    }
    return only_one_side | plain_values_differ


@pytest.fixture
def like_aws(tmp_path: Path) -> Twin:
    runtime = tmp_path / "runtime"
    (runtime / "bin").mkdir(parents=True)
    (runtime / "bin" / "python").symlink_to(sys.executable)
    return Twin(TwinOptions(state_dir=tmp_path / "state", runtime=runtime, like_aws=True))


def test_every_difference_from_the_prod_task_has_its_reason(like_aws: Twin) -> None:
    unexplained: dict[str, set[str]] = {}
    found: set[str] = set()
    for role, task in (("web", "web"), ("worker", "worker"), ("beat", "beat"), ("bootstrap", "migration")):
        of_role = differences(like_aws.environment(role), ecs_environment(task))
        unexplained[role] = of_role - {*EVERY_ROLE, *DIFFERENCES[role]}
        # a role's own reasons are differences of that role (SMTP_PASSWORD exists in the worker only)
        assert set(DIFFERENCES[role]) <= of_role, role
        found |= of_role
    assert unexplained == {role: set() for role in unexplained}
    assert set(EVERY_ROLE) <= found  # a reason whose difference has gone goes too


def test_the_production_semantics_are_the_same_values(like_aws: Twin) -> None:
    twin, ecs = like_aws.environment(), ecs_environment("web")
    same = (
        "SUPERSET_ENV",
        "DATABASE_SSLMODE",
        "REDIS_TLS",
        "GUNICORN_TIMEOUT",
        "GUNICORN_KEEPALIVE",
        "DATABASE_DB",
        "DATABASE_USER",  # the app role, by the same name
    )
    assert {name: twin[name] for name in same} == {name: ecs[name] for name in same}
    assert twin["SUPERSET_ENV"] == "prod"
    bootstrap, migration = like_aws.environment("bootstrap"), ecs_environment("migration")
    assert (bootstrap["DATABASE_AUTH"], bootstrap["DATABASE_APP_USER"]) == (
        migration["DATABASE_AUTH"], migration["DATABASE_APP_USER"]
    ) == ("password", "superset_app")  # fmt: skip


def test_the_bootstrap_gets_the_migration_tasks_warehouse_declaration_byte_for_byte(tmp_path: Path) -> None:
    """The same stack file through `local up --config-file`: the same WAREHOUSE_CONNECTIONS, the
    same credential variables, each with the stand-in's value of the secret ECS would read."""
    import yaml

    from tests.golden_plans import REQUIRED, VARIANTS

    stack, region, extra = VARIANTS["prod-warehouse-connections"]
    config = {"aws:region": region} | {f"superset-stack:{k}": v for k, v in (REQUIRED | extra).items()}
    stack_file = tmp_path / f"Pulumi.{stack}.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))
    runtime = tmp_path / "runtime"
    (runtime / "bin").mkdir(parents=True)
    (runtime / "bin" / "python").symlink_to(sys.executable)
    twin = Twin(
        TwinOptions(state_dir=tmp_path / "state", runtime=runtime, like_aws=True, config_file=stack_file)
    )
    secrets = {c["passwordSecretArn" if "passwordSecretArn" in c else "serviceAccountKeySecretArn"]: c["name"]
               for c in extra["warehouseConnections"] if c["engine"] != "athena"}  # fmt: skip
    for arn, name in secrets.items():
        twin.put_secret(arn, json.dumps({"password": f"{name} pw"}) if name == "Orders" else f"{name} pw")

    resources = json.loads(PLAN.with_name("prod-warehouse-connections.json").read_text())["resources"]
    [definition] = [r["inputs"] for r in resources if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"
                    and r["name"].endswith("-migration")]  # fmt: skip
    [container] = json.loads(definition["containerDefinitions"])
    environment = twin.environment("bootstrap")
    ecs = {item["name"]: item["value"] for item in container["environment"]}
    assert environment["WAREHOUSE_CONNECTIONS"] == ecs["WAREHOUSE_CONNECTIONS"]
    credentials = {item["name"] for item in container["secrets"] if item["name"].startswith("WAREHOUSE_")}
    assert {name for name in environment if name.startswith("WAREHOUSE_CREDENTIAL_")} == credentials
    assert (
        environment["WAREHOUSE_CREDENTIAL_0"] == "Orders pw"
    )  # ECS reads the JSON key, so does the stand-in
