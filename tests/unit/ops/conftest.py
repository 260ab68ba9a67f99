"""A deployed dev stack in moto's server mode (on loopback), for the day-2 commands.

`deployed` creates what the program would have created and the commands look for: the metadata
instance (RDS-managed password, automated backups, tags), its subnet group and security group, the
ECS cluster, the four task definitions and the three services (Pulumi-style names), the log groups
and the SECRET_KEY secret on the stack key. `fargate` stands in for what AWS does while a command
waits: it "runs" one-off tasks by writing their log lines and, if told, their exit code.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

import superset_stack
from superset_stack.local.processes import free_port
from superset_stack.ops.grants import call_actions
from superset_stack.ops.names import StackNames
from superset_stack.ops.report import Report
from superset_stack.ops.session import Aws
from superset_stack.ops.waiting import Clock
from tests.conftest import make_settings

ACCOUNT = "123456789012"
REGION = "us-east-1"
STARTED = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)
SNAPSHOT_TAKEN = datetime(2026, 11, 30, 3, 10, 0, tzinfo=UTC)  # the backup window: RPO 5 h 50 min
SECRET_KEY = "k" * 64
ROLES = ("web", "worker", "beat", "migration")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # nothing here starts an instance
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server: str) -> str:
    """moto with nothing in it (its state lives in this process, across tests)."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"))
    return moto_server


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """Clients the way the commands make them: boto3's own configuration, pointed at moto."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return Aws(REGION)


SOURCE = str(Path(superset_stack.__file__).resolve().parent)
CLIENT_LIBRARIES = (f"{os.sep}botocore{os.sep}", f"{os.sep}boto3{os.sep}")


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The IAM actions of every AWS API call superset_stack's own code makes while the test runs
    (ops/grants.call_actions), paginated and stubbed calls included; the test's set-up and moto
    stand-ins (calls from tests/) are left out."""
    from botocore.client import BaseClient

    calls: set[str] = set()
    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: Any) -> Any:
        frame = sys._getframe(1)
        while frame.f_back is not None and any(part in frame.f_code.co_filename for part in CLIENT_LIBRARIES):
            frame = frame.f_back
        if frame.f_code.co_filename.startswith(SOURCE):
            calls.update(call_actions(client.meta.service_model.service_name, operation))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def names() -> StackNames:
    return StackNames.of(make_settings("dev"))


@dataclass
class Deployed:
    names: StackNames
    instance_arn: str
    master_secret_arn: str
    key_secret_arn: str
    cluster_arn: str
    app_security_group: str
    database_security_group: str
    subnets: list[str]
    task_definitions: dict[str, str] = field(default_factory=dict)


def _tags(names: StackNames, lower: bool = False) -> list[dict[str, str]]:
    key, value = ("key", "value") if lower else ("Key", "Value")
    return [{key: k, value: v} for k, v in names.tags.items()]


def _network(aws: Aws, names: StackNames) -> tuple[list[str], str, str]:
    ec2 = aws.client("ec2")
    spec = [{"ResourceType": "vpc", "Tags": [*_tags(names), {"Key": "Name", "Value": "superset-network"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=spec)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # moto's ENIs need it
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for index, zone in enumerate("ab")
    ]
    app, database = (
        ec2.create_security_group(GroupName=f"superset-sg-{role}-1a2b3c4", Description=role, VpcId=vpc)[
            "GroupId"
        ]
        for role in ("app", "db")
    )
    return subnets, app, database


def deploy(aws: Aws, names: StackNames) -> Deployed:
    subnets, app, database = _network(aws, names)
    kms = aws.client("kms")
    key = kms.create_key(Description="stack key")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=names.kms_alias, TargetKeyId=key)
    rds = aws.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="superset-db-1a2b3c4", DBSubnetGroupDescription="db",
                               SubnetIds=subnets, Tags=_tags(names))  # fmt: skip
    instance = rds.create_db_instance(
        DBInstanceIdentifier=names.database_identifier, Engine="postgres", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="superset_admin", ManageMasterUserPassword=True,
        DBSubnetGroupName="superset-db-1a2b3c4", VpcSecurityGroupIds=[database], BackupRetentionPeriod=7,
        CopyTagsToSnapshot=True, Tags=_tags(names),
    )["DBInstance"]  # fmt: skip
    _age_automated_snapshots(names.database_identifier)
    secrets = aws.client("secretsmanager")
    key_secret = secrets.create_secret(
        Name=f"{names.secret_name_prefix('secret-key')}AbCdEf12", SecretString=SECRET_KEY, KmsKeyId=key,
        Tags=_tags(names),
    )["ARN"]  # fmt: skip
    deployed = Deployed(names, instance["DBInstanceArn"], instance["MasterUserSecret"]["SecretArn"], key_secret,
                        "", app, database, subnets)  # fmt: skip
    _compute(aws, names, deployed)
    return deployed


def _age_automated_snapshots(database: str) -> None:
    """moto stamps the automated snapshot now; the real one was taken in the backup window."""
    from moto.rds.models import rds_backends

    for snapshot in rds_backends[ACCOUNT][REGION].database_snapshots.values():
        if snapshot.snapshot_type == "automated" and snapshot.database.db_instance_identifier == database:
            snapshot.created = SNAPSHOT_TAKEN


def _compute(aws: Aws, names: StackNames, deployed: Deployed) -> None:
    ecs, logs = aws.client("ecs"), aws.client("logs")
    deployed.cluster_arn = ecs.create_cluster(
        clusterName="superset-app-1a2b3c4", tags=_tags(names, lower=True)
    )["cluster"]["clusterArn"]
    for role in ROLES:
        logs.create_log_group(logGroupName=names.log_group(role), tags=dict(names.tags))
        container = {
            "name": role, "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/superset:runtime-1",
            "memory": 2048,  # moto's run_task needs a container memory; ours is set on the task
            "command": ["bootstrap" if role == "migration" else role],
            "secrets": [{"name": "SUPERSET_SECRET_KEY", "valueFrom": deployed.key_secret_arn},
                        {"name": "DATABASE_PASSWORD", "valueFrom": f"{deployed.master_secret_arn}:password::"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": names.log_group(role), "awslogs-region": REGION, "awslogs-stream-prefix": role}},
        }  # fmt: skip
        deployed.task_definitions[role] = register(aws, names, role, container)
        if role != "migration":
            service = ecs.create_service(
                cluster=deployed.cluster_arn, serviceName=f"superset-app-{role}-1a2b3c4",
                taskDefinition=deployed.task_definitions[role], desiredCount=1, launchType="FARGATE",
                networkConfiguration={"awsvpcConfiguration": {"subnets": deployed.subnets,
                                      "securityGroups": [deployed.app_security_group], "assignPublicIp": "DISABLED"}},
                tags=_tags(names, lower=True),
            )["service"]  # fmt: skip
            # moto starts services with nothing running; this is one running task, steady
            ecs.update_service(cluster=deployed.cluster_arn, service=service["serviceArn"], desiredCount=1)


def register(aws: Aws, names: StackNames, role: str, container: dict[str, Any]) -> str:
    """A new revision of the role's task definition; its ARN."""
    definition = aws.client("ecs").register_task_definition(
        family=names.task_family(role), networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="1024",
        memory="2048", containerDefinitions=[container], tags=_tags(names, lower=True),
    )["taskDefinition"]  # fmt: skip
    arn: str = definition["taskDefinitionArn"]
    return arn


@pytest.fixture
def deployed(aws: Aws, names: StackNames) -> Deployed:
    return deploy(aws, names)


@dataclass
class Fargate:
    """What AWS does while a command sleeps: time passes (exactly the seconds slept), and each
    one-off task logs `lines` and exits `exit_code`. `on_sleep` sees the sleep's number, from 1."""

    aws: Aws
    lines: list[dict[str, Any] | str] = field(default_factory=list)
    exit_code: int = 0
    on_sleep: Callable[[int], None] | None = None
    sleeps: int = 0
    elapsed: float = 0.0
    logged: set[str] = field(default_factory=set)

    @property
    def clock(self) -> Clock:
        return Clock(now=lambda: STARTED + timedelta(seconds=self.elapsed), monotonic=lambda: self.elapsed,
                     sleep=self.sleep)  # fmt: skip

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.elapsed += seconds
        if self.on_sleep is not None:
            self.on_sleep(self.sleeps)
        self._run_tasks()

    def _run_tasks(self) -> None:
        from moto.ecs.models import ecs_backends

        logs = self.aws.client("logs")
        for cluster in ecs_backends[ACCOUNT][REGION].tasks.values():
            for task in cluster.values():
                if task.started_by.startswith("superset-stack-") and task.id not in self.logged:
                    task.containers[0].exitCode = self.exit_code
                    self._log(logs, task)
                    self.logged.add(task.id)

    def _log(self, logs: Any, task: Any) -> None:
        container = task.containers[0].name
        group = f"/superset/dev/{container}"
        stream = f"{container}/{container}/{task.id}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now + index, "message": line if isinstance(line, str) else json.dumps(line)}
                  for index, line in enumerate(self.lines)]  # fmt: skip
        if events:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


@pytest.fixture
def fargate(aws: Aws) -> Fargate:
    return Fargate(aws)


def report_for(command: str, fargate: Fargate, names: StackNames) -> Report:
    """A report starting at STARTED on `fargate`'s clock."""
    return Report(command, names.stack, names.region, started=STARTED, clock=fargate.clock)
