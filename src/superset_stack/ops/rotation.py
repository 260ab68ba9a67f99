"""SECRET_KEY rotation as one resumable procedure, on AWS (here) or on the twin (twin_rotation.py).

Superset encrypts the database passwords it stores with SECRET_KEY, so a new key needs the old one
until everything stored is re-encrypted. The stages, in order:

1. keep: the current key is copied into a new secret, the previous-key secret (stack KMS key,
   tagged as this tool's). That secret also holds the rotation's state, in a tag: a run that was
   interrupted continues after the last stage it finished.
2. wire: the migration task must receive the previous key (SUPERSET_PREVIOUS_SECRET_KEY). The
   program wires it from the `previousSecretKeySecretArn` setting, so this stage asks you to
   `pulumi config set` it and `pulumi up`, then run the command again; it goes on once the
   deployed migration task definition reads that secret. (A run-task override could carry the key
   only as plain environment, visible in the task's description and in CloudTrail; a secret needs
   the task definition and the execution role's permission, which is the program's to change.)
3. generate: a new 64-character key is written into the SECRET_KEY secret (skipped when the
   secret already differs from the kept one: an earlier run got that far).
4. re-encrypt: the migration task runs (bootstrap: runtime/reencrypt.py with both keys), and must
   exit 0.
5. restart: web, worker and beat are redeployed so that every task reads the new key (a task reads
   its secrets when it starts; changing the value restarts nothing). Until they have, tasks on the
   old key cannot decrypt what was re-encrypted: queries on databases with a stored password fail
   for those few minutes, and users sign in again.
6. clear: once `previousSecretKeySecretArn` is removed and deployed (asked for like stage 2), the
   previous-key secret is deleted with the stack's recovery window, which ends the rotation.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from superset_stack.ops.names import PURPOSE_TAG, StackNames
from superset_stack.ops.report import Report
from superset_stack.ops.session import Aws, OpsError
from superset_stack.ops.tasks import find_cluster, migration_target, run_task, stack_services
from superset_stack.ops.waiting import Clock, Progress, Wait, quiet, wait_for

STATE_TAG = "superset-stack:rotation-stage"
STARTED_BY = "superset-stack-rotate-secret-key"
PREVIOUS_KEY = "SUPERSET_PREVIOUS_SECRET_KEY"
KEY_LENGTH = 64
SERVICE_WAIT = Wait(poll_seconds=15, timeout_seconds=1800)


def new_secret_key() -> str:
    """64 random letters and digits, like the key the program generates."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(KEY_LENGTH))


class RotationTarget(Protocol):
    """Where a key is rotated: each method does one stage, idempotently, and says what it did."""

    def completed(self) -> str | None: ...  # the last stage finished; None: no rotation under way
    def record(self, stage: str) -> None: ...
    def keep_previous(self) -> str: ...
    def previous_wired(self) -> bool: ...
    def wire_instructions(self) -> list[str]: ...
    def write_new_key(self) -> str: ...
    def re_encrypt(self) -> str: ...
    def restart(self) -> str: ...
    def previous_unwired(self) -> bool: ...
    def unwire_instructions(self) -> list[str]: ...
    def discard_previous(self) -> str: ...


@dataclass(frozen=True)
class Stage:
    name: str  # kept in the state
    title: str  # in the report
    act: Callable[[RotationTarget], str]
    ready: Callable[[RotationTarget], bool] = lambda _target: True  # else: wait for the operator
    instructions: Callable[[RotationTarget], list[str]] = lambda _target: []


STAGES = (
    Stage("kept", "keep the current key as the previous key", lambda t: t.keep_previous()),
    Stage("wired", "the migration task reads the previous key", lambda _t: "deployed",
          ready=lambda t: t.previous_wired(), instructions=lambda t: t.wire_instructions()),
    Stage("generated", "write a new SECRET_KEY", lambda t: t.write_new_key()),
    Stage("re-encrypted", "re-encrypt stored secrets with the migration task", lambda t: t.re_encrypt()),
    Stage("restarted", "restart web, worker and beat on the new key", lambda t: t.restart()),
    Stage("cleared", "unwire and discard the previous key", lambda t: t.discard_previous(),
          ready=lambda t: t.previous_unwired(), instructions=lambda t: t.unwire_instructions()),
)  # fmt: skip
STAGE_NAMES = tuple(stage.name for stage in STAGES)


def rotate(target: RotationTarget, report: Report) -> bool:
    """Run the stages not yet finished; True when the rotation ended, False when it waits for you
    (report.next_actions says what to do before running it again)."""
    completed = target.completed()
    if completed is not None and completed not in STAGE_NAMES:
        raise OpsError(f"unknown rotation state {completed!r}; known: {', '.join(STAGE_NAMES)}")
    first = 0 if completed is None else STAGE_NAMES.index(completed) + 1
    report.facts["resumed_after"] = completed
    for stage in STAGES[first:]:
        if not stage.ready(target):
            report.next_actions = stage.instructions(target)
            report.facts["waiting_at"] = stage.name
            return False
        with report.step(stage.title) as step:
            step.detail = stage.act(target)
        if stage is not STAGES[-1]:  # the last stage deletes the state with the previous key
            target.record(stage.name)
    return True


@dataclass
class AwsRotation:
    """RotationTarget for a deployed stack: Secrets Manager, the migration task, the ECS services."""

    aws: Aws
    names: StackNames
    recovery_window_days: int = 30
    clock: Clock = field(default_factory=Clock)
    progress: Progress = quiet
    _previous: dict[str, Any] | None = field(default=None, init=False, repr=False)

    # --- where things are ------------------------------------------------------------------------

    @property
    def _secrets(self) -> Any:
        return self.aws.client("secretsmanager")

    def _one_secret(self, name_prefix: str, *, tagged: bool) -> dict[str, Any] | None:
        filters = [{"Key": "name", "Values": [name_prefix]}]
        if tagged:
            filters.append({"Key": "tag-key", "Values": [PURPOSE_TAG]})
        pages = self._secrets.get_paginator("list_secrets").paginate(Filters=filters)
        found = [
            item for page in pages for item in page["SecretList"] if item["Name"].startswith(name_prefix)
        ]
        if len(found) > 1:
            raise OpsError(
                f"more than one secret named {name_prefix}...: {', '.join(f['Name'] for f in found)}"
            )
        return found[0] if found else None

    def _key_secret(self) -> str:
        found = self._one_secret(self.names.secret_name_prefix("secret-key"), tagged=False)
        if found is None:
            raise OpsError(
                f"the stack's SECRET_KEY secret ({self.names.secret_name_prefix('secret-key')}...) "
                f"does not exist in {self.names.region}: is the stack deployed there?"
            )
        arn: str = found["ARN"]
        return arn

    def _previous_secret(self) -> dict[str, Any] | None:
        if self._previous is None:
            self._previous = self._one_secret(f"{self.names.previous_secret_key_name}-", tagged=True)
        return self._previous

    def _value(self, secret: str) -> str:
        value: str = self._secrets.get_secret_value(SecretId=secret)["SecretString"]
        return value

    def _migration_reads_previous(self) -> bool:
        previous = self._previous_secret()
        definition = self.aws.client("ecs").describe_task_definition(
            taskDefinition=self.names.task_family("migration")
        )["taskDefinition"]
        wired = {
            item["valueFrom"]
            for container in definition["containerDefinitions"]
            for item in container.get("secrets", [])
            if item["name"] == PREVIOUS_KEY
        }
        return previous is not None and previous["ARN"] in wired

    # --- the stages -------------------------------------------------------------------------------

    def completed(self) -> str | None:
        previous = self._previous_secret()
        if previous is None:
            return None
        tags: dict[str, str] = {tag["Key"]: tag["Value"] for tag in previous.get("Tags", [])}
        return tags.get(STATE_TAG, "kept")

    def record(self, stage: str) -> None:
        previous = self._previous_secret()
        assert previous is not None, "the previous-key secret exists from the first stage on"
        self._secrets.tag_resource(SecretId=previous["ARN"], Tags=[{"Key": STATE_TAG, "Value": stage}])

    def keep_previous(self) -> str:
        name = f"{self.names.previous_secret_key_name}-{self.clock.now():%Y%m%d-%H%M%S}"
        created = self._secrets.create_secret(
            Name=name,
            Description="The SECRET_KEY being rotated away from (superset-stack rotate-secret-key); "
            "deleted when the rotation ends.",
            KmsKeyId=self.names.kms_alias,
            SecretString=self._value(self._key_secret()),
            Tags=[*self.names.tool_tags("rotation"), {"Key": STATE_TAG, "Value": "kept"}],
        )
        self._previous = self._secrets.describe_secret(SecretId=created["ARN"])
        return f"{created['ARN']}"

    def previous_wired(self) -> bool:
        return self._migration_reads_previous()

    def wire_instructions(self) -> list[str]:
        previous = self._previous_secret()
        arn = previous["ARN"] if previous else "?"
        return [
            f"pulumi config set previousSecretKeySecretArn {arn} --stack {self.names.stack}",
            f"pulumi up --stack {self.names.stack}   (the migration task gets the previous key)",
            f"superset-stack rotate-secret-key --stack {self.names.stack}   (continues from here)",
        ]

    def write_new_key(self) -> str:
        previous = self._previous_secret()
        assert previous is not None
        key_secret = self._key_secret()
        if self._value(key_secret) != self._value(previous["ARN"]):
            return "the SECRET_KEY secret already holds a new key (an earlier run wrote it)"
        version = self._secrets.put_secret_value(SecretId=key_secret, SecretString=new_secret_key())
        return f"new version {version['VersionId']} of {key_secret.rsplit(':', 1)[-1]}"

    def re_encrypt(self) -> str:
        rds = self.aws.client("rds")
        status = rds.describe_db_instances(DBInstanceIdentifier=self.names.database_identifier)[
            "DBInstances"
        ][0]["DBInstanceStatus"]
        if status != "available":
            raise OpsError(
                f"the database {self.names.database_identifier} is {status}; the migration task needs it "
                "available (office hours: start it first), then run the command again"
            )
        target = migration_target(
            self.aws.client("ecs"), self.aws.client("resourcegroupstaggingapi"), self.names
        )
        outcome = run_task(
            self.aws.client("ecs"), target, started_by=STARTED_BY, clock=self.clock, progress=self.progress
        )
        if outcome.exit_code != 0:
            raise OpsError(
                f"the migration task {outcome.task_arn} exited with {outcome.exit_code}"
                f"{' (' + outcome.reason + ')' if outcome.reason else ''}; see {target.log_group}. "
                "Nothing is lost: the previous key is kept; run the command again after fixing it"
            )
        return f"task {outcome.task_arn.rsplit('/', 1)[-1]} exited 0"

    def restart(self) -> str:
        ecs = self.aws.client("ecs")
        cluster = find_cluster(self.aws.client("resourcegroupstaggingapi"), self.names)
        services = stack_services(ecs, cluster, self.names)
        for service in services.values():
            ecs.update_service(cluster=cluster, service=service["serviceArn"], forceNewDeployment=True)
        for role, service in services.items():
            arn: str = service["serviceArn"]

            def describe(arn: str = arn) -> dict[str, Any]:
                found: dict[str, Any] = ecs.describe_services(cluster=cluster, services=[arn])["services"][0]
                return found

            wait_for(
                describe,
                done=_steady,
                failed=_rolled_back,
                what=f"redeploying {role}",
                show=lambda found: (
                    f"{found.get('runningCount', 0)}/{found.get('desiredCount', 0)} running, "
                    f"{len(found.get('deployments', []))} deployment(s)"
                ),
                wait=SERVICE_WAIT,
                clock=self.clock,
                progress=self.progress,
            )
        return f"redeployed {', '.join(sorted(services))}"

    def previous_unwired(self) -> bool:
        return not self._migration_reads_previous()

    def unwire_instructions(self) -> list[str]:
        return [
            f"pulumi config rm previousSecretKeySecretArn --stack {self.names.stack}",
            f"pulumi up --stack {self.names.stack}",
            f"superset-stack rotate-secret-key --stack {self.names.stack}   (deletes the previous key)",
        ]

    def discard_previous(self) -> str:
        previous = self._previous_secret()
        assert previous is not None
        deleted = self._secrets.delete_secret(
            SecretId=previous["ARN"], RecoveryWindowInDays=self.recovery_window_days
        )
        when = deleted.get("DeletionDate")
        return f"{previous['Name']} deleted (recoverable until {_day(when)})"


def _steady(service: dict[str, Any]) -> bool:
    deployments = service.get("deployments", [])
    return len(deployments) == 1 and service.get("runningCount") == service.get("desiredCount")


def _rolled_back(service: dict[str, Any]) -> str | None:
    primary: dict[str, Any] = next(
        (d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), {}
    )
    if primary.get("rolloutState") == "FAILED":
        return f"the deployment failed: {primary.get('rolloutStateReason', 'no reason given')}"
    return None


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, datetime) else str(value or "?")
