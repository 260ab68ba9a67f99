"""A live run: up, checks in order, and the stack destroyed whatever happened (fake Automation API)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from superset_stack.acceptance.checks import AcceptanceError
from superset_stack.acceptance.run import LiveSettings, run_live, skip_reason, stack_config, stack_name
from superset_stack.settings import Settings

DEPLOYMENT = {"resources": [{"type": "aws:s3/bucket:Bucket", "outputs": {"bucket": "b"}}]}


class FakeStack:
    """pulumi.automation.Stack as a run uses it; `fail` names the call that raises."""

    def __init__(self, fail: str = "") -> None:
        self.name, self.fail, self.calls = "live-20261130-120000", fail, []  # type: ignore[var-annotated]

    def _call(self, what: str, result: Any = None) -> Any:
        self.calls.append(what)
        if what == self.fail:
            raise RuntimeError(f"{what} failed:\n  error: something AWS said")
        return result

    def set_all_config(self, config: dict[str, Any]) -> None:
        self._call("config")
        self.config = {key: value.value for key, value in config.items()}

    def up(self, *, on_output: Any) -> Any:
        outputs = {"url": SimpleNamespace(value="https://superset-live.example.com")}
        return self._call("up", SimpleNamespace(outputs=outputs))

    def export_stack(self) -> Any:
        return self._call("export", SimpleNamespace(deployment=DEPLOYMENT))

    def destroy(self, *, on_output: Any, remove: bool) -> None:
        self._call(f"destroy(remove={remove})")


class FakeTeardown:
    def __init__(self, calls: list[str], fail: str = "") -> None:
        self.calls, self.fail = calls, fail

    def before_destroy(self, deployment: dict[str, Any]) -> list[str]:
        self.calls.append(f"empty {[r['outputs']['bucket'] for r in deployment['resources']]}")
        if self.fail == "empty":
            raise RuntimeError("AccessDenied")
        return ["bucket b: 2 versions"]

    def after_destroy(self, deployment: dict[str, Any]) -> list[str]:
        self.calls.append("leftovers")
        return ["snapshot x-final"]


def checks(calls: list[str], failing: str = "") -> list[tuple[str, Any]]:
    def check(name: str) -> Any:
        def run(outputs: dict[str, Any]) -> str:
            calls.append(f"check {name} {outputs['url']}")
            if name == failing:
                raise AcceptanceError(f"{name} is not right")
            return "fine"

        return run

    return [(name, check(name)) for name in ("health", "chart", "alarm", "migration")]


def run(stack: FakeStack, failing_check: str = "", teardown_fails: str = "") -> tuple[Any, list[str]]:
    log: list[str] = []
    result = run_live(stack, {"aws:region": "eu-central-2"}, checks(stack.calls, failing_check),
                      FakeTeardown(stack.calls, teardown_fails), log=log.append)  # type: ignore[arg-type]  # fmt: skip
    return result, log


AFTER = ["export", "empty ['b']", "destroy(remove=True)", "leftovers"]


def test_a_good_run_checks_everything_in_order_then_destroys_the_stack() -> None:
    stack = FakeStack()
    outputs, log = run(stack)
    assert outputs == {"url": "https://superset-live.example.com"}
    assert stack.config == {"aws:region": "eu-central-2"}
    assert stack.calls == ["config", "up"] + [
        f"check {name} https://superset-live.example.com" for name in ("health", "chart", "alarm", "migration")
    ] + AFTER  # fmt: skip
    assert "check alarm: passed (fine)" in log
    assert log[-2:] == ["emptied bucket b: 2 versions", "deleted snapshot x-final"]


def test_a_failing_check_stops_the_checks_and_still_destroys_the_stack() -> None:
    stack = FakeStack()
    with pytest.raises(AcceptanceError, match="check chart failed: chart is not right"):
        run(stack, failing_check="chart")
    assert stack.calls[-5:] == ["check chart https://superset-live.example.com", *AFTER]
    assert not any("check alarm" in call for call in stack.calls)


def test_a_failed_up_still_destroys_what_was_created() -> None:
    stack = FakeStack(fail="up")
    with pytest.raises(RuntimeError, match="up failed"):
        run(stack)
    assert stack.calls == ["config", "up", *AFTER]


def test_a_failed_destroy_keeps_the_stack_and_says_how_to_finish() -> None:
    stack = FakeStack(fail="destroy(remove=True)")
    with pytest.raises(AcceptanceError) as caught:
        run(stack)
    assert str(caught.value) == (
        "teardown failed: pulumi destroy: destroy(remove=True) failed: error: something AWS said; the stack "
        "live-20261130-120000 is kept: `pulumi destroy --stack live-20261130-120000` once the cause is fixed"
    )
    assert "leftovers" not in stack.calls  # nothing is deleted from under a stack that still exists


def test_when_a_check_and_the_teardown_fail_the_check_is_the_error_and_the_teardown_is_logged() -> None:
    stack = FakeStack()
    log: list[str] = []
    with pytest.raises(AcceptanceError, match="check alarm failed"):
        run_live(stack, {}, checks(stack.calls, "alarm"), FakeTeardown(stack.calls, "empty"), log=log.append)  # type: ignore[arg-type]
    assert "destroy(remove=True)" in stack.calls  # emptying failed, the destroy was still tried
    assert "teardown failed: emptying before destroy: AccessDenied" in log


# --- configuration, name and when it runs at all -----------------------------------------------

ENVIRON = {"SUPERSET_LIVE_REGION": "eu-central-2", "SUPERSET_LIVE_DOMAIN": "superset-live.example.com",
           "SUPERSET_LIVE_HOSTED_ZONE_ID": "Z0123456789EXAMPLE"}  # fmt: skip


def test_the_stack_is_the_dev_preset_always_on_and_passes_the_settings_validation() -> None:
    boundary = "arn:aws:iam::123456789012:policy/ci-role-boundary-0a1b2c3"
    live = LiveSettings.from_environ({
        **ENVIRON, "SUPERSET_LIVE_IMAGE_URI": "r@sha256:" + "a" * 64, "SUPERSET_LIVE_ROLE_BOUNDARY_ARN": boundary,
    })  # fmt: skip
    config = stack_config(live)
    assert "superset-stack:roleBoundaryArn" not in stack_config(LiveSettings.from_environ(ENVIRON))
    assert config["superset-stack:officeHours"] == ""  # a run at 19:00 would otherwise be put to sleep
    name = stack_name(datetime(2026, 11, 30, 12, 0, 0))
    assert name == "live-20261130-120000"
    values = {
        key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("superset-stack:")
    }
    settings = Settings.from_values(values, stack=name, region=config["aws:region"])
    assert (settings.environment, settings.region, settings.image_uri, settings.role_boundary_arn) == (
        "dev",
        "eu-central-2",
        live.image_uri,
        boundary,
    )
    assert settings.owner == settings.cost_center == "superset-stack-live-test"
    assert settings.resource_prefix == "superset-live-20261130-120000"


def test_runs_only_with_credentials_the_cli_a_zone_and_a_way_to_the_image() -> None:
    ready = {"aws_credentials": True, "pulumi_cli": "/usr/bin/pulumi", "docker": "/usr/bin/docker"}
    assert skip_reason(ENVIRON, **ready) is None  # type: ignore[arg-type]
    assert (
        skip_reason({**ENVIRON, "SUPERSET_LIVE_IMAGE_URI": "r@sha256:abc"}, **{**ready, "docker": None})
        is None
    )  # type: ignore[arg-type]
    assert skip_reason({}, aws_credentials=False, pulumi_cli=None, docker=None) == (
        "live acceptance test needs: no AWS credentials (boto3 finds none); no Pulumi CLI on PATH; not set: "
        "SUPERSET_LIVE_REGION (the AWS region to deploy to), SUPERSET_LIVE_DOMAIN (a host name in a Route 53 zone "
        "you control, e.g. superset-live.example.com), SUPERSET_LIVE_HOSTED_ZONE_ID (that zone's id); no docker to "
        "build the image (docker on PATH or a daemon at DOCKER_HOST; or set SUPERSET_LIVE_IMAGE_URI to a "
        "digest-pinned image)"
    )
    # GitLab's Docker-in-Docker: a daemon at DOCKER_HOST and no docker command
    assert skip_reason({**ENVIRON, "DOCKER_HOST": "tcp://docker:2375"}, **{**ready, "docker": None}) is None  # type: ignore[arg-type]
