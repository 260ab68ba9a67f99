"""One live acceptance run: bring up a throw-away dev stack, check it, destroy it whatever happened.

`run_live` takes a Pulumi Automation API stack (anything with the few methods of `AutomationStack`),
its config, the checks (each a name and a function of the stack outputs) and a `Teardown`. It sets
the config, runs `pulumi up`, runs the checks in order, and then always: empties what the destroy
cannot delete, runs `pulumi destroy` (removing the stack), and deletes what the destroy leaves. A
failed step's error propagates after the teardown; a failed teardown is an error of its own that
says what is left. `skip_reason` says why a run cannot happen here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pulumi.automation import ConfigValue

from superset_stack.acceptance.checks import AcceptanceError
from superset_stack.acceptance.teardown import Teardown

PROJECT = "superset-stack"
STACK_NAME_PREFIX = "live-"  # every run's stack; acceptance/grants.py scopes the role's teardown by it
REQUIRED_ENVIRONMENT = {
    "SUPERSET_LIVE_REGION": "the AWS region to deploy to",
    "SUPERSET_LIVE_DOMAIN": "a host name in a Route 53 zone you control, e.g. superset-live.example.com",
    "SUPERSET_LIVE_HOSTED_ZONE_ID": "that zone's id",
}
# Set by the delivery pipeline's acceptance jobs: a run that cannot happen is an error, not a skip.
REQUIRED_FLAG = "SUPERSET_LIVE_REQUIRED"
Check = tuple[str, Callable[[Mapping[str, Any]], object]]


@dataclass(frozen=True, kw_only=True)
class LiveSettings:
    """Where and how the throw-away stack runs, from SUPERSET_LIVE_* variables.

    Attributes:
        region, domain_name, hosted_zone_id: SUPERSET_LIVE_REGION, _DOMAIN, _HOSTED_ZONE_ID.
        image_uri: SUPERSET_LIVE_IMAGE_URI, a digest-pinned image; empty builds one (needs Docker).
        secrets_provider: SUPERSET_LIVE_SECRETS_PROVIDER for the new stack, e.g.
            awskms://alias/pulumi-secrets; empty uses the backend's default.
        owner, cost_center: SUPERSET_LIVE_OWNER and _COST_CENTER tags. Default to
            superset-stack-live-test.
        role_boundary_arn: SUPERSET_LIVE_ROLE_BOUNDARY_ARN, the stack's roleBoundaryArn (the
            bootstrap's output: the acceptance role creates roles only with it); empty sets none.
    """

    region: str
    domain_name: str
    hosted_zone_id: str
    image_uri: str = ""
    secrets_provider: str = ""
    owner: str = "superset-stack-live-test"
    cost_center: str = "superset-stack-live-test"
    role_boundary_arn: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LiveSettings:
        def get(name: str, default: str = "") -> str:
            return environ.get(f"SUPERSET_LIVE_{name}", "").strip() or default

        return cls(
            region=get("REGION"),
            domain_name=get("DOMAIN"),
            hosted_zone_id=get("HOSTED_ZONE_ID"),
            image_uri=get("IMAGE_URI"),
            secrets_provider=get("SECRETS_PROVIDER"),
            owner=get("OWNER", cls.owner),
            cost_center=get("COST_CENTER", cls.cost_center),
            role_boundary_arn=get("ROLE_BOUNDARY_ARN"),
        )


def skip_reason(
    environ: Mapping[str, str], *, aws_credentials: bool, pulumi_cli: str | None, docker: str | None
) -> str | None:
    """Why the live test cannot run here, or None when it can."""
    reasons = []
    if not aws_credentials:
        reasons.append("no AWS credentials (boto3 finds none)")
    if not pulumi_cli:
        reasons.append("no Pulumi CLI on PATH")
    missing = [
        f"{name} ({meaning})" for name, meaning in REQUIRED_ENVIRONMENT.items() if not environ.get(name)
    ]
    if missing:
        reasons.append("not set: " + ", ".join(missing))
    if not docker and not environ.get("DOCKER_HOST") and not environ.get("SUPERSET_LIVE_IMAGE_URI"):
        reasons.append(
            "no docker to build the image (docker on PATH or a daemon at DOCKER_HOST; or set "
            "SUPERSET_LIVE_IMAGE_URI to a digest-pinned image)"
        )
    return "live acceptance test needs: " + "; ".join(reasons) if reasons else None


def stack_name(now: datetime) -> str:
    """A fresh stack name per run, so no two runs share a database identifier or final snapshot."""
    return f"{STACK_NAME_PREFIX}{now:%Y%m%d-%H%M%S}"


def stack_config(live: LiveSettings) -> dict[str, str]:
    """The throw-away stack's config: the dev preset, always on (office hours would put it to sleep
    in the middle of a run), in the given region and DNS zone."""
    config = {
        "aws:region": live.region,
        f"{PROJECT}:environment": "dev",
        f"{PROJECT}:owner": live.owner,
        f"{PROJECT}:costCenter": live.cost_center,
        f"{PROJECT}:domainName": live.domain_name,
        f"{PROJECT}:hostedZoneId": live.hosted_zone_id,
        f"{PROJECT}:officeHours": "",
    }
    if live.image_uri:
        config[f"{PROJECT}:imageUri"] = live.image_uri
    if live.role_boundary_arn:
        config[f"{PROJECT}:roleBoundaryArn"] = live.role_boundary_arn
    return config


class AutomationStack(Protocol):
    """The part of pulumi.automation.Stack a run uses."""

    @property
    def name(self) -> str: ...

    def set_all_config(self, config: Any) -> None: ...

    def up(self, *, on_output: Callable[[str], Any]) -> Any: ...

    def export_stack(self) -> Any: ...

    def destroy(self, *, on_output: Callable[[str], Any], remove: bool) -> Any: ...


def run_live(
    stack: AutomationStack,
    config: Mapping[str, str],
    checks: Sequence[Check],
    teardown: Teardown,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Up, check, and tear down in every case; the stack outputs when every check passed."""
    failed = True
    try:
        stack.set_all_config({key: ConfigValue(value=value) for key, value in config.items()})
        result = stack.up(on_output=log)
        outputs = {key: output.value for key, output in result.outputs.items()}
        for name, check in checks:
            log(f"check {name} ...")
            try:
                log(f"check {name}: passed ({check(outputs)})")
            except Exception as error:
                raise AcceptanceError(f"check {name} failed: {error}") from error
        failed = False
        return outputs
    finally:
        problems = _tear_down(stack, teardown, log)
        if problems and not failed:
            raise AcceptanceError("teardown failed: " + "; ".join(problems))
        for problem in problems:  # a step failed too: its error is the one raised
            log(f"teardown failed: {problem}")


def _tear_down(stack: AutomationStack, teardown: Teardown, log: Callable[[str], None]) -> list[str]:
    """Empty, destroy (removing the stack), delete leftovers; the problems met, none when clean."""
    problems = []
    deployment: Mapping[str, Any] = {}
    try:
        deployment = stack.export_stack().deployment or {}
        for line in teardown.before_destroy(deployment):
            log(f"emptied {line}")
    except Exception as error:
        problems.append(f"emptying before destroy: {error}")
    try:
        stack.destroy(on_output=log, remove=True)
    except Exception as error:
        problems.append(
            f"pulumi destroy: {_short(error)}; the stack {stack.name} is kept: "
            f"`pulumi destroy --stack {stack.name}` once the cause is fixed"
        )
        return problems
    try:
        for line in teardown.after_destroy(deployment):
            log(f"deleted {line}")
    except Exception as error:
        problems.append(f"after destroy: {error}")
    return problems


def _short(error: Exception) -> str:
    text = re.sub(r"\s+", " ", str(error)).strip()
    return text[:300]
