"""Secrets: a rotating KMS key with an explicit policy, and generated secrets on it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.secrets import Secrets, SecretsArgs
from superset_stack.plan.recording import SECRET, RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/sec"


def secrets(**overrides: Any) -> Callable[[], Secrets]:
    values: dict[str, Any] = {
        "account_id": "123456789012",
        "partition": "aws",
        "region": "us-east-1",
        "alias": "superset-test",
        "recovery_window_days": 7,
    }
    values.update(overrides)
    return lambda: Secrets("sec", SecretsArgs(**values))


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(secrets())
    assert Counter(mocks.types()) == Counter({
        "superset:secrets:Secrets": 1, "aws:kms/key:Key": 1, "aws:kms/alias:Alias": 1,
        "random:index/randomPassword:RandomPassword": 3, "aws:secretsmanager/secret:Secret": 3,
        "aws:secretsmanager/secretVersion:SecretVersion": 3,
    })  # fmt: skip


def test_key_rotates_and_has_an_explicit_least_privilege_policy(build: Build) -> None:
    mocks = build(secrets())
    (key,) = mocks.inputs_of("aws:kms/key:Key")
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert "bypassPolicyLockoutSafetyCheck" not in key
    assert json.loads(key["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups", "Effect": "Allow",
             "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnLike": {
                 "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}}},
            {"Sid": "AlarmsOfThisAccountPublishToTheEncryptedTopic", "Effect": "Allow",
             "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
             "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}},
            # SNS's guide: aws:SourceAccount and aws:SourceArn are not supported for EventBridge to an
            # encrypted topic (delivery would fail silently), so EventBridge's statement has none
            {"Sid": "EventBridgeRulesPublishToTheEncryptedTopic", "Effect": "Allow",
             "Principal": {"Service": "events.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
             "Resource": "*"},
        ],
    }  # fmt: skip
    assert mocks.inputs_of("aws:kms/alias:Alias") == [
        {"name": "alias/superset-test", "targetKeyId": "sec-key-id"}
    ]


def test_every_secret_is_on_the_stack_key_and_recoverable(build: Build) -> None:
    mocks = build(secrets(recovery_window_days=30))
    created = {r.name: r.inputs for r in mocks.of_type("aws:secretsmanager/secret:Secret")}
    assert set(created) == {"sec-secret-key", "sec-admin-password", "sec-redis-auth-token"}
    for name, secret in created.items():
        assert secret["kmsKeyId"] == KEY_ARN
        assert secret["recoveryWindowInDays"] == 30
        assert secret["description"]
        assert secret["namePrefix"] == f"superset-test/{name.removeprefix('sec-')}-"


def test_values_are_generated_and_kept_secret(build: Build) -> None:
    mocks = build(secrets())
    generated = {r.name: r.inputs for r in mocks.of_type("random:index/randomPassword:RandomPassword")}
    assert generated["sec-secret-key"] == {"length": 64, "special": False}
    assert generated["sec-admin-password"] == {"length": 32, "special": True, "overrideSpecial": "-_.!%"}
    assert generated["sec-redis-auth-token"] == {"length": 64, "special": False}
    for version in mocks.inputs_of("aws:secretsmanager/secretVersion:SecretVersion"):
        assert version["secretString"] == SECRET  # travels as a Pulumi secret, encrypted in state


@pytest.mark.parametrize("field", ["recovery_window_days", "key_deletion_window_days"])
def test_rejects_windows_aws_refuses(mocks: RecordingMocks, field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be 7-30, got 3"):
        secrets(**{field: 3})()
