"""Backup: an encrypted vault, a daily plan, the database selected, its events to the topic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.backup import SCHEDULED_STOP_AND_START, Backup, BackupArgs, database_event_pattern
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
        "aws:cloudwatch/eventRule:EventRule": 1, "aws:cloudwatch/eventTarget:EventTarget": 1,
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


CATEGORIES = ["availability", "deletion", "failover", "failure", "low storage", "maintenance", "notification",
              "recovery", "restoration"]  # fmt: skip


def test_database_events_reach_the_topic_through_eventbridge(build: Build) -> None:
    mocks = build(backup())
    (rule,) = mocks.inputs_of("aws:cloudwatch/eventRule:EventRule")
    assert rule["name"] == "superset-prod-metadata-events"
    assert rule["state"] == "ENABLED"
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"], "resources": [DB],
        "detail": {"EventCategories": CATEGORIES},
    }  # fmt: skip
    (target,) = mocks.inputs_of("aws:cloudwatch/eventTarget:EventTarget")
    assert (target["rule"], target["arn"]) == ("superset-prod-metadata-events", TOPIC)
    assert "roleArn" not in target  # SNS authorises EventBridge by its topic policy; a role breaks KMS topics
    assert target["inputTransformer"] == {
        "inputPaths": {"database": "$.detail.SourceIdentifier", "time": "$.time", "message": "$.detail.Message",
                       "event": "$.detail.EventID"},
        "inputTemplate": '"<database> at <time>: <message> (<event>)"',
    }  # fmt: skip
    assert mocks.of_type("aws:rds/eventSubscription:EventSubscription") == []


def test_quiet_events_do_not_page(build: Build) -> None:
    mocks = build(backup(quiet_event_ids=SCHEDULED_STOP_AND_START))
    (rule,) = mocks.inputs_of("aws:cloudwatch/eventRule:EventRule")
    assert json.loads(rule["eventPattern"])["detail"] == {
        "EventCategories": CATEGORIES,
        "EventID": [{"anything-but": ["RDS-EVENT-0087", "RDS-EVENT-0088"]}],
    }


def test_the_pattern_matches_what_rds_sends_and_not_the_quiet_events() -> None:
    """EventBridge's matching, on the documented event shape: a category in the list matches, the
    scheduled stop does not, another instance's event does not."""
    pattern = database_event_pattern(DB, SCHEDULED_STOP_AND_START)

    def event(event_id: str, categories: list[str], arn: str = DB) -> dict[str, Any]:
        return {"source": "aws.rds", "detail-type": "RDS DB Instance Event", "resources": [arn],
                "detail": {"EventCategories": categories, "EventID": event_id, "SourceIdentifier": "x"}}  # fmt: skip

    assert matches(pattern, event("RDS-EVENT-0049", ["failover"]))
    assert matches(pattern, event("RDS-EVENT-0154", ["notification"]))  # started after 7 days stopped
    assert not matches(pattern, event("RDS-EVENT-0087", ["notification"]))
    assert not matches(pattern, event("RDS-EVENT-0088", ["notification"]))
    assert not matches(pattern, event("RDS-EVENT-0001", ["backup"]))
    assert not matches(pattern, event("RDS-EVENT-0049", ["failover"], arn=DB.replace("prod", "dev")))


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge's rules for what this pattern uses: every key must match; a list of values
    matches when the event's value (or any of its values) is in it; anything-but excludes."""
    for key, wanted in pattern.items():
        value = event.get(key)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
            continue
        values = value if isinstance(value, list) else [value]
        plain = [item for item in wanted if not isinstance(item, dict)]
        excluded = [v for item in wanted if isinstance(item, dict) for v in item.get("anything-but", [])]
        if plain and not any(v in plain for v in values):
            return False
        if excluded and any(v in excluded for v in values):
            return False
    return True


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
