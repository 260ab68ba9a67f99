"""Backup: an encrypted vault, a daily plan, the database selected, its events to the topic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.backup import Backup, BackupArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
DB = "arn:aws:rds:us-east-1:123456789012:db:superset-prod-metadata"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"


def backup(**overrides: Any) -> Callable[[], Backup]:
    values: dict[str, Any] = {"kms_key_arn": KEY, "database_arn": DB, "database_identifier": "superset-prod-metadata",
                              "topic_arn": TOPIC, "retention_days": 35, "account_id": "123456789012"}  # fmt: skip
    values.update(overrides)
    return lambda: Backup("bk", BackupArgs(**values))


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(backup())
    assert Counter(mocks.types()) == Counter({
        "superset:backup:Backup": 1, "aws:backup/vault:Vault": 1, "aws:backup/plan:Plan": 1, "aws:iam/role:Role": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2, "aws:backup/selection:Selection": 1,
        "aws:rds/eventSubscription:EventSubscription": 1,
    })  # fmt: skip


def test_vault_plan_and_selection(build: Build) -> None:
    mocks = build(backup())
    assert mocks.inputs_of("aws:backup/vault:Vault") == [{"kmsKeyArn": KEY, "forceDestroy": False}]
    assert mocks.inputs_of("aws:backup/plan:Plan") == [{"rules": [{
        "ruleName": "daily", "targetVaultName": "bk", "schedule": "cron(0 2 * * ? *)",
            "scheduleExpressionTimezone": "UTC", "startWindow": 60,
        "completionWindow": 360, "lifecycle": {"deleteAfter": 35},
    }]}]  # fmt: skip
    (selection,) = mocks.inputs_of("aws:backup/selection:Selection")
    assert selection["resources"] == [DB]
    (role,) = mocks.inputs_of("aws:iam/role:Role")
    # this account's AWS Backup only; Backup documents no aws:SourceArn for the role it assumes
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }]  # fmt: skip


def test_database_events_reach_the_topic(build: Build) -> None:
    mocks = build(backup())
    (subscription,) = mocks.inputs_of("aws:rds/eventSubscription:EventSubscription")
    assert subscription["snsTopic"] == TOPIC
    assert subscription["sourceIds"] == ["superset-prod-metadata"]
    assert {"failover", "failure", "low storage", "deletion"} <= set(subscription["eventCategories"])


def test_rejects_zero_retention(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="retention_days must be 1-36500, got 0"):
        backup(retention_days=0)()


def test_copies_every_recovery_point_to_another_region(build: Build) -> None:
    import json

    mocks = build(backup(copy_region="us-west-2", tags={"Project": "superset-stack"}))
    (provider,) = mocks.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-west-2"
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": {"Project": "superset-stack"}}
    copy_resources = [r for r in mocks if r.provider and "bk-copy-region" in r.provider]
    assert sorted(r.type for r in copy_resources) == ["aws:backup/vault:Vault", "aws:kms/key:Key"]
    (key,) = mocks.inputs_of("aws:kms/key:Key")
    assert (key["enableKeyRotation"], key["deletionWindowInDays"]) == (True, 30)
    assert json.loads(key["policy"])["Statement"] == [{"Sid": "AccountAdministersTheKey", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]  # fmt: skip
    vaults = {r.name: r.inputs for r in mocks.of_type("aws:backup/vault:Vault")}
    assert vaults["bk-copy"] == {
        "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/bk-copy",
        "forceDestroy": False,
    }
    (plan,) = mocks.inputs_of("aws:backup/plan:Plan")
    assert plan["rules"][0]["copyActions"] == [
        {
            "destinationVaultArn": "arn:aws:backup:us-east-1:123456789012:bk-copy",
            "lifecycle": {"deleteAfter": 35},
        }
    ]


def test_no_copy_region_no_second_provider(build: Build) -> None:
    mocks = build(backup())
    assert mocks.of_type("pulumi:providers:aws") == []
    assert "copyActions" not in mocks.inputs_of("aws:backup/plan:Plan")[0]["rules"][0]
