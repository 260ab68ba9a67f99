"""The secrets-provider key: rotating, administered by the account, protected, with its alias."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.bootstrap.secrets_provider import SecretsProviderKey, SecretsProviderKeyArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]


def key(**overrides: Any) -> Callable[[], SecretsProviderKey]:
    values: dict[str, Any] = {"account_id": "123456789012", "partition": "aws", "region": "eu-west-1"}
    return lambda: SecretsProviderKey("pulumi-secrets", SecretsProviderKeyArgs(**(values | overrides)))


def test_key_and_alias(build: Build) -> None:
    mocks = build(key())
    (created,) = mocks.of_type("aws:kms/key:Key")
    policy = json.loads(created.inputs.pop("policy"))
    assert created.inputs == {
        "description": "Pulumi secrets provider and state bucket encryption for superset-stack",
        "enableKeyRotation": True,
        "deletionWindowInDays": 30,
    }
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountAdministersTheKeyIamPoliciesGrantItsUse", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*",
        }],
    }  # fmt: skip
    assert mocks.inputs_of("aws:kms/alias:Alias") == [
        {"name": "alias/superset-stack-pulumi", "targetKeyId": "pulumi-secrets-key-id"}
    ]


def test_key_and_alias_are_protected(build: Build) -> None:
    mocks = build(key())
    assert sorted((r.type, r.options["protect"]) for r in mocks if r.custom) == [
        ("aws:kms/alias:Alias", True), ("aws:kms/key:Key", True),
    ]  # fmt: skip


def test_the_secrets_provider_string_names_alias_and_region(mocks: RecordingMocks) -> None:
    assert key(alias="team-pulumi")().secrets_provider == "awskms://alias/team-pulumi?region=eu-west-1"


def test_rejects_a_deletion_window_kms_does_not_accept(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="deletion_window_days must be 7-30, got 31"):
        key(deletion_window_days=31)()
