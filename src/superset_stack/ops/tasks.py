"""The stack's ECS side for one-off tasks: find the cluster and services, run a task, read its log.

Pulumi names the cluster and the services (a random suffix), so the cluster is found by the stack's
tags (Resource Groups Tagging API) and the services by their task definition families
(`<prefix>-<role>`). A one-off task runs the latest active revision of the migration family, placed
exactly like the services (their subnets and the app security group, which the database accepts),
optionally with another command and extra environment. What it prints reaches CloudWatch Logs
through the container's awslogs settings, read back here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from superset_stack.ops.names import StackNames
from superset_stack.ops.session import OpsError, error_code
from superset_stack.ops.waiting import Clock, Progress, Wait, wait_for

TASK_WAIT = Wait(poll_seconds=10, timeout_seconds=1800)
LOG_WAIT = Wait(poll_seconds=10, timeout_seconds=60)  # awslogs delivers a few seconds after the stop


@dataclass(frozen=True)
class TaskTarget:
    """Where and what a one-off task runs."""

    cluster: str
    task_definition: str
    container: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    log_group: str
    log_stream_prefix: str


@dataclass(frozen=True)
class TaskOutcome:
    task_arn: str
    exit_code: int | None
    reason: str


def find_cluster(tagging: Any, names: StackNames) -> str:
    """The ARN of the stack's ECS cluster, by its tags."""
    pages = tagging.get_paginator("get_resources").paginate(
        TagFilters=names.tag_filters(), ResourceTypeFilters=["ecs:cluster"]
    )
    clusters: list[str] = [item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"]]
    if len(clusters) != 1:
        raise OpsError(
            f"expected one ECS cluster tagged Stack={names.stack} in {names.region}, found "
            f"{len(clusters)}{': ' + ', '.join(clusters) if clusters else ''}; is the stack deployed there?"
        )
    return clusters[0]


def stack_services(ecs: Any, cluster: str, names: StackNames) -> dict[str, dict[str, Any]]:
    """role -> service description, for the services running the stack's task definition families."""
    arns = [
        arn
        for page in ecs.get_paginator("list_services").paginate(cluster=cluster)
        for arn in page["serviceArns"]
    ]
    services: dict[str, dict[str, Any]] = {}
    for start in range(0, len(arns), 10):  # DescribeServices takes at most 10
        for service in ecs.describe_services(cluster=cluster, services=arns[start : start + 10])["services"]:
            family = service["taskDefinition"].rsplit("/", 1)[-1].rsplit(":", 1)[0]
            role = family.removeprefix(f"{names.prefix}-")
            if family != role:
                services[role] = service
    return services


def migration_target(ecs: Any, tagging: Any, names: StackNames) -> TaskTarget:
    """The migration task definition, to be placed like the web service."""
    cluster = find_cluster(tagging, names)
    web = stack_services(ecs, cluster, names).get("web")
    if web is None:
        raise OpsError(f"no web service of stack {names.stack} in cluster {cluster}")
    network = web["networkConfiguration"]["awsvpcConfiguration"]
    family = names.task_family("migration")
    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    container = definition["containerDefinitions"][0]
    logs = container.get("logConfiguration", {}).get("options", {})
    return TaskTarget(
        cluster=cluster,
        task_definition=definition["taskDefinitionArn"],
        container=container["name"],
        subnets=tuple(network["subnets"]),
        security_groups=tuple(network.get("securityGroups", [])),
        log_group=logs.get("awslogs-group", names.log_group("migration")),
        log_stream_prefix=logs.get("awslogs-stream-prefix", "migration"),
    )


def run_task(
    ecs: Any,
    target: TaskTarget,
    *,
    started_by: str,
    command: Sequence[str] | None = None,
    environment: Mapping[str, str] | None = None,
    clock: Clock,
    progress: Progress,
    wait: Wait = TASK_WAIT,
) -> TaskOutcome:
    """Start the task, wait until it stops; its exit code. Stops it when the wait is cut short."""
    override: dict[str, Any] = {"name": target.container}
    if command is not None:
        override["command"] = list(command)
    if environment:
        override["environment"] = [{"name": key, "value": value} for key, value in environment.items()]
    response = ecs.run_task(
        cluster=target.cluster,
        taskDefinition=target.task_definition,
        launchType="FARGATE",
        count=1,
        startedBy=started_by,
        propagateTags="TASK_DEFINITION",
        overrides={"containerOverrides": [override]},
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(target.subnets),
                "securityGroups": list(target.security_groups),
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if response.get("failures") or not response.get("tasks"):
        reasons = "; ".join(
            f"{f.get('arn', '?')}: {f.get('reason', '?')}" for f in response.get("failures", [])
        )
        raise OpsError(f"the task did not start: {reasons or 'no task returned'}")
    task_arn: str = response["tasks"][0]["taskArn"]
    try:
        task = wait_for(
            lambda: ecs.describe_tasks(cluster=target.cluster, tasks=[task_arn])["tasks"][0],
            done=lambda found: found.get("lastStatus") == "STOPPED",
            what=f"task {task_arn.rsplit('/', 1)[-1]}",
            show=lambda found: str(found.get("lastStatus", "?")).lower(),
            wait=wait,
            clock=clock,
            progress=progress,
        )
    except BaseException:
        with suppress(Exception):  # the original error matters more than a failed stop
            ecs.stop_task(cluster=target.cluster, task=task_arn, reason=f"{started_by} stopped waiting")
        raise
    container: dict[str, Any] = next(
        (c for c in task.get("containers", []) if c.get("name") == target.container), {}
    )
    reason = container.get("reason") or task.get("stoppedReason") or ""
    return TaskOutcome(task_arn=task_arn, exit_code=container.get("exitCode"), reason=reason)


def result_line(
    logs: Any, target: TaskTarget, task_arn: str, marker: str, *, clock: Clock, progress: Progress
) -> dict[str, Any] | None:
    """The last JSON line carrying `"check": marker` the task logged, or None if none arrives."""
    stream = f"{target.log_stream_prefix}/{target.container}/{task_arn.rsplit('/', 1)[-1]}"

    def read() -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        found: dict[str, Any] | None = None
        token: str | None = None
        seen: set[str | None] = set()
        while token not in seen:  # the forward token repeats at the end of the stream
            seen.add(token)
            page: dict[str, str] = {"nextToken": token} if token else {}
            try:
                events = logs.get_log_events(
                    logGroupName=target.log_group, logStreamName=stream, startFromHead=True, **page
                )
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":  # no line logged yet
                    return None
                raise
            found = _last_marked(events["events"], marker) or found
            token = events.get("nextForwardToken")
        return found

    try:
        return wait_for(
            read, done=lambda line: line is not None, what=f"the result in {target.log_group}",
            show=lambda _line: "not yet", wait=LOG_WAIT, clock=clock, progress=progress,
        )  # fmt: skip
    except OpsError:
        return None


def _last_marked(events: Sequence[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    found = None
    for event in events:
        try:
            line = json.loads(event["message"])
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("check") == marker:
            found = line
    return found
