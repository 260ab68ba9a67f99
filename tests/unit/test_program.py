"""The program as `pulumi up` runs it: config from the stack file, Settings.load, outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from superset_stack.aws.stack import SupersetStack
from superset_stack.plan.offline import record_stack_file, stack_config
from superset_stack.plan.recording import RecordingMocks
from superset_stack.program import stack_outputs
from superset_stack.settings import SettingsError
from tests.conftest import TODAY, make_settings

ROOT = Path(__file__).resolve().parents[2]
Build = Callable[[Callable[[], Any]], RecordingMocks]


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_example_stack_files_run_through_settings_load(environment: str) -> None:
    settings, mocks = record_stack_file(ROOT / f"Pulumi.{environment}.yaml", today=TODAY)
    assert settings.environment == environment
    (instance,) = mocks.inputs_of("aws:rds/instance:Instance")
    assert instance["instanceClass"] == settings.db_instance_class
    tokens = {call.token for call in mocks.calls}
    assert tokens == {
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
        "aws:ecr/getAuthorizationToken:getAuthorizationToken",
        "aws:elb/getServiceAccount:getServiceAccount",
    }


def test_stack_config_is_what_the_engine_hands_a_program(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  aws:region: eu-west-1\n  superset-stack:owner: me\n"
                    "  superset-stack:dbMultiAz: true\n  superset-stack:albIngressCidrs: [10.0.0.0/8]\n"
                    "  other-project:x: y\n")  # fmt: skip
    assert stack_config(path) == {
        "aws:region": "eu-west-1",
        "superset-stack:owner": "me",
        "superset-stack:dbMultiAz": "true",
        "superset-stack:albIngressCidrs": '["10.0.0.0/8"]',
    }


def test_invalid_stack_file_fails_before_anything_runs(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  superset-stack:owner: o\n  superset-stack:costCenter: c\n"
        "  superset-stack:domainName: superset.example.com\n  superset-stack:hostedZoneId: Z0123456789EXAMPLE\n"
                    "  superset-stack:dbMultiAz: false\n")  # fmt: skip
    with pytest.raises(SettingsError, match="prod requires dbMultiAz true"):
        record_stack_file(path, today=TODAY)


def test_outputs_are_names_and_arns_never_secret_values(build: Build) -> None:
    resolved: dict[str, Any] = {}

    def program() -> None:
        settings = make_settings("prod")
        outputs = stack_outputs(settings, SupersetStack("superset", settings))
        for key, value in outputs.items():
            pulumi.Output.from_input(value).apply(lambda v, key=key: resolved.__setitem__(key, v))

    build(program)
    assert resolved["databaseMasterUserSecretArn"].startswith("arn:aws:secretsmanager:")
    assert resolved["secretKeySecretArn"].startswith("arn:aws:secretsmanager:")
    assert resolved["resultsPrefix"] == "sqllab-results/"
    readme = (ROOT / "README.md").read_text()
    assert [key for key in resolved if f"`{key}`" not in readme] == [], "document every output in README.md"
    flat = [item for value in resolved.values() for item in (value if isinstance(value, list) else [value])]
    assert not any(isinstance(item, str) and item.startswith("xxxxxxxx") for item in flat)
