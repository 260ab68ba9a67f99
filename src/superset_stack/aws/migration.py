"""MigrationRun: run the one-off migration task before the services change, and wait for it.

A Pulumi dynamic resource whose provider (boto3, the deployer's AWS credentials) starts the
migration task definition on Fargate (`bootstrap`: migrate, init, admin), waits until it stops and
fails the deployment unless the container exited 0. It runs when the stack is created and again
whenever the migration task definition changes (a new image or configuration), before the web,
worker and beat services are updated, which depend on it. Migrations therefore never run from
every web task, and a failed migration leaves the old services serving.

With office hours the database is stopped at night: a deploy then starts it for the migration and
stops it again afterwards (DatabaseWaker), so that deploying is not bound to the office day.

Before a migration that changes the Superset version (an update whose previous run recorded another
version; never the first deploy), the run takes a manual snapshot of the database when asked
(`pre_deploy_snapshot`), tagged with both versions, and deletes this tool's older pre-deploy
snapshots beyond `pre_deploy_snapshots_to_keep` (ops/snapshots.py). A snapshot that fails fails the
deployment before anything migrates. Pulumi pickles the provider into the state: it holds nothing
but an optional client factory, and imports boto3 and the snapshot code inside its methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

CONTAINER = "migration"
STARTED_BY = "superset-stack-migration"  # how the run tags its tasks (the live test finds them by it)
# the Superset version is part of the image, so a new version always brings a new task definition
TRIGGERS = ("task_definition_arn", "cluster_arn")
DEFAULT_SNAPSHOTS_TO_KEEP = 3
T = TypeVar("T")


class MigrationError(RuntimeError):
    pass


@dataclass(kw_only=True)
class _Poller:
    """Asks `client` again every `poll_seconds` until an answer is final or `timeout_seconds` pass."""

    client: Any
    poll_seconds: float
    timeout_seconds: float = 1800.0
    sleep: Callable[[float], None] = time.sleep

    def _poll(self, ask: Callable[[], T], final: Callable[[T], bool], timed_out: Callable[[T], str]) -> T:
        waited = 0.0
        while not final(answer := ask()):
            if waited >= self.timeout_seconds:
                raise MigrationError(timed_out(answer))
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds
        return answer


@dataclass(kw_only=True)
class MigrationRunner(_Poller):
    """Starts the task and waits; `client` is a boto3 ECS client."""

    poll_seconds: float = 6.0

    def run(
        self,
        *,
        cluster: str,
        task_definition: str,
        subnets: Sequence[str],
        security_groups: Sequence[str],
        log_group: str,
    ) -> dict[str, Any]:
        response = self.client.run_task(
            cluster=cluster,
            taskDefinition=task_definition,
            launchType="FARGATE",
            platformVersion="LATEST",
            count=1,
            startedBy=STARTED_BY,
            propagateTags="TASK_DEFINITION",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(subnets),
                    "securityGroups": list(security_groups),
                    "assignPublicIp": "DISABLED",
                }
            },
        )
        if response.get("failures") or not response.get("tasks"):
            reasons = "; ".join(
                f"{f.get('arn', '?')}: {f.get('reason', '?')}" for f in response.get("failures", [])
            )
            raise MigrationError(f"the migration task did not start: {reasons or 'no task returned'}")
        task_arn: str = response["tasks"][0]["taskArn"]
        task: dict[str, Any] = self._poll(
            lambda: self.client.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0],
            lambda task: task.get("lastStatus") == "STOPPED",
            lambda _task: (
                f"the migration task {task_arn} did not finish within {self.timeout_seconds:.0f} s;"
                f" it keeps running, see the {log_group} log group"
            ),
        )
        container: dict[str, Any] = next(
            (c for c in task.get("containers", []) if c.get("name") == CONTAINER), {}
        )
        exit_code = container.get("exitCode")
        if exit_code != 0:
            reason = container.get("reason") or task.get("stoppedReason") or "no reason given"
            raise MigrationError(
                f"the migration task {task_arn} stopped with exit code {exit_code} ({reason}); "
                f"the services were not changed; see the {log_group} log group"
            )
        return {"task_arn": task_arn, "exit_code": 0}


@dataclass(kw_only=True)
class DatabaseWaker(_Poller):
    """Starts a stopped RDS instance and waits until it is available; `client` is a boto3 RDS client."""

    poll_seconds: float = 15.0

    def status(self, identifier: str) -> str:
        instances = self.client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
        status: str = instances[0]["DBInstanceStatus"]
        return status

    def _wait_for(self, identifier: str, wanted: str) -> None:
        self._poll(
            lambda: self.status(identifier),
            lambda status: status == wanted,
            lambda status: (
                f"the database {identifier} was not {wanted} within {self.timeout_seconds:.0f} s "
                f"(it is {status}); the migration did not run and the services were not changed"
            ),
        )

    def wake(self, identifier: str) -> bool:
        """Make the instance available; True when this call started it (so it should stop it again)."""
        status = self.status(identifier)
        if status == "stopping":  # a stop in progress cannot be cancelled: let it end, then start
            self._wait_for(identifier, "stopped")
            status = "stopped"
        if status == "stopped":
            self.client.start_db_instance(DBInstanceIdentifier=identifier)
            self._wait_for(identifier, "available")
            return True
        if status == "starting":
            self._wait_for(identifier, "available")
        return False

    def put_back_to_sleep(self, identifier: str) -> None:
        self.client.stop_db_instance(DBInstanceIdentifier=identifier)


class MigrationRunProvider(ResourceProvider):
    """Dynamic provider: create and update both run the migration; delete has nothing to undo."""

    def __init__(self, client: Callable[[str, str], Any] | None = None) -> None:
        super().__init__()
        self._client = client  # (service, region) -> boto3 client; boto3's own when None

    def _boto3(self, service: str, region: str) -> Any:
        if self._client is not None:
            return self._client(service, region)
        import boto3

        return boto3.client(service, region_name=region)

    def _run(self, props: dict[str, Any], *, previous_version: str = "") -> dict[str, Any]:
        """Wake the database, snapshot it before a version change, migrate, put it back to sleep."""
        database: str = props.get("database_instance_identifier") or ""
        rds = self._boto3("rds", props["region"]) if database else None
        waker = DatabaseWaker(client=rds) if database else None
        started_database = waker.wake(database) if waker else False
        try:
            snapshot = _pre_deploy_snapshot(rds, props, previous_version) if database else ""
            result = MigrationRunner(client=self._boto3("ecs", props["region"])).run(
                cluster=props["cluster_arn"],
                task_definition=props["task_definition_arn"],
                subnets=props["subnet_ids"],
                security_groups=props["security_group_ids"],
                log_group=props["log_group"],
            )
            return {**result, "pre_deploy_snapshot_identifier": snapshot}
        finally:
            if waker and started_database:  # as it was found: asleep outside office hours
                waker.put_back_to_sleep(database)

    def create(self, props: dict[str, Any]) -> CreateResult:
        result = self._run(props)
        return CreateResult(id_=result["task_arn"], outs={**props, **result})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in TRIGGERS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        previous = str(olds.get("superset_version") or "")  # none before this field existed
        return UpdateResult(outs={**news, **self._run(news, previous_version=previous)})


def _pre_deploy_snapshot(rds: Any, props: dict[str, Any], previous_version: str) -> str:
    """The snapshot taken before migrating from `previous_version`, or "" when none was due (turned
    off, first deploy, same version). MigrationError when it fails: nothing has migrated yet."""
    if not props.get("pre_deploy_snapshot"):
        return ""
    from botocore.exceptions import BotoCoreError, ClientError

    from superset_stack.ops.session import OpsError
    from superset_stack.ops.snapshots import pre_deploy_snapshot

    version = str(props.get("superset_version") or "")
    keep = int(props.get("pre_deploy_snapshots_to_keep") or DEFAULT_SNAPSHOTS_TO_KEEP)  # a float in the state
    try:
        taken = pre_deploy_snapshot(
            rds,
            database_identifier=props["database_instance_identifier"],
            from_version=previous_version,
            to_version=version,
            keep=keep,
        )
    except (OpsError, ClientError, BotoCoreError) as error:
        raise MigrationError(
            f"the snapshot before upgrading Superset {previous_version} -> {version} failed: {error}; "
            "the migration did not run and the services were not changed"
        ) from error
    return taken.identifier if taken else ""


@dataclass(frozen=True, kw_only=True)
class MigrationRunArgs:
    """Inputs for :class:`MigrationRun`.

    Attributes:
        region: Region of the cluster.
        cluster_arn: Cluster to run in.
        task_definition_arn: The migration task definition; a new revision runs the migration again.
        subnet_ids: Private subnets for the task.
        security_group_ids: The app group (reaches the database and the cache).
        log_group: Where the task logs, named in error messages.
        database_instance_identifier: The metadata database; when it is stopped (office hours), the
            run starts it first and stops it again afterwards. Defaults to none: not checked.
        superset_version: The Superset version the image runs (the runtime lock's pin, or an outside
            image's URI); recorded with each run. Defaults to empty: unknown.
        pre_deploy_snapshot: Snapshot the database before a run whose Superset version differs from
            the previous run's. Needs database_instance_identifier. Defaults to off.
        pre_deploy_snapshots_to_keep: This tool's pre-deploy snapshots kept (the oldest beyond it
            are deleted after a new one). Defaults to 3.
    """

    region: str
    cluster_arn: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    log_group: pulumi.Input[str]
    database_instance_identifier: pulumi.Input[str] | None = None
    superset_version: str = ""
    pre_deploy_snapshot: bool = False
    pre_deploy_snapshots_to_keep: int = DEFAULT_SNAPSHOTS_TO_KEEP


class MigrationRun(Resource):
    """One completed run of the migration task for the current task definition; the snapshot taken
    before it, if any (`pre_deploy_snapshot_identifier`, "" otherwise)."""

    task_arn: pulumi.Output[str]
    pre_deploy_snapshot_identifier: pulumi.Output[str]

    def __init__(self, name: str, args: MigrationRunArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            MigrationRunProvider(),
            name,
            {
                "region": args.region,
                "cluster_arn": args.cluster_arn,
                "task_definition_arn": args.task_definition_arn,
                "subnet_ids": list(args.subnet_ids),
                "security_group_ids": list(args.security_group_ids),
                "log_group": args.log_group,
                "database_instance_identifier": args.database_instance_identifier,
                "superset_version": args.superset_version,
                "pre_deploy_snapshot": args.pre_deploy_snapshot,
                "pre_deploy_snapshots_to_keep": args.pre_deploy_snapshots_to_keep,
                "task_arn": None,
                "exit_code": None,
                "pre_deploy_snapshot_identifier": None,
            },
            opts,
        )
