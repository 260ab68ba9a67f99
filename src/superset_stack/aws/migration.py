"""MigrationRun: run the one-off migration task before the services change, and wait for it.

A Pulumi dynamic resource whose provider (boto3, the deployer's AWS credentials) starts the
migration task definition on Fargate (`bootstrap`: migrate, init, admin), waits until it stops and
fails the deployment unless the container exited 0. It runs when the stack is created and again
whenever the migration task definition changes (a new image or configuration), before the web,
worker and beat services are updated, which depend on it. Migrations therefore never run from
every web task, and a failed migration leaves the old services serving.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

CONTAINER = "migration"
TRIGGERS = ("task_definition_arn", "cluster_arn")


class MigrationError(RuntimeError):
    pass


@dataclass
class MigrationRunner:
    """Starts the task and waits; `client` is a boto3 ECS client."""

    client: Any
    poll_seconds: float = 6.0
    timeout_seconds: float = 1800.0
    sleep: Callable[[float], None] = time.sleep

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
            startedBy="superset-stack-migration",
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
        waited = 0.0
        while True:
            task = self.client.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0]
            if task.get("lastStatus") == "STOPPED":
                break
            if waited >= self.timeout_seconds:
                raise MigrationError(
                    f"the migration task {task_arn} did not finish within {self.timeout_seconds:.0f} s;"
                    f" it keeps running, see the {log_group} log group"
                )
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds
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


class MigrationRunProvider(ResourceProvider):
    """Dynamic provider: create and update both run the migration; delete has nothing to undo."""

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        import boto3

        runner = MigrationRunner(client=boto3.client("ecs", region_name=props["region"]))
        return runner.run(
            cluster=props["cluster_arn"],
            task_definition=props["task_definition_arn"],
            subnets=props["subnet_ids"],
            security_groups=props["security_group_ids"],
            log_group=props["log_group"],
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        result = self._run(props)
        return CreateResult(id_=result["task_arn"], outs={**props, **result})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in TRIGGERS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, **self._run(news)})


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
    """

    region: str
    cluster_arn: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    log_group: pulumi.Input[str]


class MigrationRun(Resource):
    """One completed run of the migration task for the current task definition."""

    task_arn: pulumi.Output[str]

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
                "task_arn": None,
                "exit_code": None,
            },
            opts,
        )
