"""Checks of a deployed stack: /health over https, an alarm's state, the migration task's exit.

Each waits, polling, until the answer is the one wanted or its time is up, then raises
AcceptanceError saying what it saw last. AWS clients are boto3 clients of the stack's region.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from superset_stack.aws.migration import CONTAINER, STARTED_BY

T = TypeVar("T")


class AcceptanceError(AssertionError):
    """A step of the live acceptance test saw the stack misbehave."""


@dataclass(kw_only=True)
class Patience:
    """How long a check waits, and how it sleeps between tries (tests give a sleep that returns)."""

    timeout_seconds: float
    poll_seconds: float
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = field(default=print)

    def until(self, ask: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
        """Ask until `done(answer)`; AcceptanceError naming `what` and the last answer on timeout."""
        waited = 0.0
        while not done(answer := ask()):
            if waited >= self.timeout_seconds:
                raise AcceptanceError(f"{what}: not within {self.timeout_seconds:.0f} s; last: {answer}")
            self.log(f"waiting for {what} ({waited:.0f} s): {answer}")
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds
        return answer


def wait_for_health(url: str, patience: Patience, opener: Callable[..., Any] = urllib.request.urlopen) -> str:
    """Wait until `<url>/health` answers 200 "OK" (DNS, the certificate and the targets all ready)."""

    def ask() -> str:
        try:
            with opener(f"{url}/health", timeout=10) as response:
                return f"{response.status} {response.read(100).decode(errors='replace').strip()}"
        except urllib.error.HTTPError as error:
            return f"{error.code} {error.reason}"
        except (urllib.error.URLError, OSError) as error:
            return f"unreachable: {getattr(error, 'reason', error)}"

    return patience.until(ask, lambda answer: answer == "200 OK", f"{url}/health")


def secret_value(secretsmanager: Any, arn: str, key: str | None = None) -> str:
    """A Secrets Manager secret's string, or one key of it when it is JSON (the RDS-managed one)."""
    text: str = secretsmanager.get_secret_value(SecretId=arn)["SecretString"]
    return str(json.loads(text)[key]) if key else text


def alarm_state(cloudwatch: Any, *, topic_arn: str, name_prefix: str) -> tuple[str, str]:
    """(state, reason) of the one alarm that notifies `topic_arn` and whose name starts with
    `name_prefix` (Pulumi adds a suffix to the component's `<name>-<short name>`)."""
    pages = cloudwatch.get_paginator("describe_alarms").paginate(ActionPrefix=topic_arn)
    alarms = [alarm for page in pages for alarm in page["MetricAlarms"]]
    found = [alarm for alarm in alarms if alarm["AlarmName"].startswith(name_prefix)]
    if len(found) != 1:
        names = sorted(alarm["AlarmName"] for alarm in alarms)
        raise AcceptanceError(f"expected one alarm named {name_prefix}* on the topic, found {names}")
    return found[0]["StateValue"], found[0].get("StateReason", "")


def wait_for_alarm(
    cloudwatch: Any, patience: Patience, *, topic_arn: str, name_prefix: str, wanted: str = "OK"
) -> str:
    """Wait until the alarm (see `alarm_state`) is in state `wanted`; its reason then."""
    _state, reason = patience.until(
        lambda: alarm_state(cloudwatch, topic_arn=topic_arn, name_prefix=name_prefix),
        lambda answer: answer[0] == wanted,
        f"alarm {name_prefix}* in state {wanted}",
    )
    return reason


def migration_exit(ecs: Any, *, cluster: str, task_definition_arn: str) -> tuple[int | None, str]:
    """(exit code, reason) of the latest migration task run for `task_definition_arn`.

    The migration run tags its tasks startedBy=STARTED_BY; ECS shows stopped tasks for an hour or
    more, so this works right after `pulumi up`.
    """
    arns: list[str] = []
    for page in ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, startedBy=STARTED_BY, desiredStatus="STOPPED"
    ):
        arns += page["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    runs = [task for task in tasks if task.get("taskDefinitionArn") == task_definition_arn]
    if not runs:
        raise AcceptanceError(f"no stopped migration task of {task_definition_arn} in {cluster}")
    latest = max(runs, key=lambda task: str(task.get("stoppedAt", "")))
    container: dict[str, Any] = next(
        (c for c in latest.get("containers", []) if c.get("name") == CONTAINER), {}
    )
    reason = container.get("reason") or latest.get("stoppedReason") or ""
    return container.get("exitCode"), reason


def check_migration(ecs: Any, *, cluster: str, task_definition_arn: str) -> None:
    """The migration task of this deployment exited 0, or AcceptanceError with its code and reason."""
    code, reason = migration_exit(ecs, cluster=cluster, task_definition_arn=task_definition_arn)
    if code != 0:
        raise AcceptanceError(f"the migration task exited {code} ({reason or 'no reason given'})")
