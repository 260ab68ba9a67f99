"""Observability: an encrypted topic only CloudWatch and RDS may publish to, alarms, a dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.observability import Observability, ObservabilityArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops-alarms"


def observability(**overrides: Any) -> Callable[[], Observability]:
    values: dict[str, Any] = {
        "region": "us-east-1", "account_id": "123456789012", "kms_key_arn": KEY, "dashboard_name": "superset-prod",
        "metric_namespace": "Superset/prod", "cluster_name": "cluster", "web_service_name": "web",
        "worker_service_name": "worker", "load_balancer_arn_suffix": "app/alb/1", "target_group_arn_suffix": "targetgroup/web/2",
        "database_identifier": "superset-prod-metadata", "database_storage_gib": 100, "database_connections_alarm": 680,
        "cache_node_ids": ["cache-001", "cache-002"], "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/c",
        "log_group_names": ["/superset/prod/web", "/superset/prod/worker"],
    }  # fmt: skip
    values.update(overrides)
    return lambda: Observability("ops", ObservabilityArgs(**values))


def alarms(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    return {
        r.name.removeprefix("ops-"): r.inputs for r in mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }


def test_topic_is_encrypted_and_only_alarms_and_rds_events_publish(build: Build) -> None:
    mocks = build(observability())
    assert mocks.inputs_of("aws:sns/topic:Topic") == [{"kmsMasterKeyId": KEY}]
    (policy,) = mocks.inputs_of("aws:sns/topicPolicy:TopicPolicy")
    assert json.loads(policy["policy"])["Statement"] == [{
        "Sid": "AlarmsAndDatabaseEventsPublish", "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]},
        "Action": "sns:Publish", "Resource": TOPIC,
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }]  # fmt: skip
    assert mocks.of_type("aws:sns/topicSubscription:TopicSubscription") == []  # no e-mail given


def test_the_alarm_set(build: Build) -> None:
    found = alarms(build(observability()))
    assert sorted(found) == sorted([
        "web-cpu", "web-memory", "worker-cpu", "worker-memory", "target-5xx", "alb-5xx", "unhealthy-hosts",
        "response-time-p99", "database-cpu", "database-connections", "database-free-storage", "cache-memory-1",
        "cache-evictions-1", "cache-cpu-1", "cache-memory-2", "cache-evictions-2", "cache-cpu-2",
        "application-errors", "certificate-expiry",
    ])  # fmt: skip
    for alarm in found.values():
        assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmDescription"]


def test_thresholds_and_dimensions(build: Build) -> None:
    found = alarms(build(observability()))
    expected = {"namespace": "AWS/ECS", "metricName": "CPUUtilization", "statistic": "Average", "threshold": 80,
                "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 5, "period": 60,
                "dimensions": {"ClusterName": "cluster", "ServiceName": "web"}}  # fmt: skip
    assert {key: found["web-cpu"][key] for key in expected} == expected
    assert (
        found["response-time-p99"]["extendedStatistic"] == "p99"
        and "statistic" not in found["response-time-p99"]
    )
    assert found["unhealthy-hosts"]["dimensions"] == {
        "LoadBalancer": "app/alb/1",
        "TargetGroup": "targetgroup/web/2",
    }
    assert (found["database-connections"]["threshold"], found["database-connections"]["statistic"]) == (
        680,
        "Maximum",
    )
    assert found["database-free-storage"]["threshold"] == 100 * 2**30 // 10
    assert found["database-free-storage"]["comparisonOperator"] == "LessThanThreshold"
    assert found["cache-evictions-2"]["dimensions"] == {"CacheClusterId": "cache-002"}
    assert (found["certificate-expiry"]["period"], found["certificate-expiry"]["threshold"]) == (86400, 30)
    assert (
        found["application-errors"]["namespace"] == "Superset/prod"
        and "dimensions" not in found["application-errors"]
    )


def test_error_lines_are_counted_in_web_and_worker_logs(build: Build) -> None:
    mocks = build(observability())
    assert [f["logGroupName"] for f in mocks.inputs_of("aws:cloudwatch/logMetricFilter:LogMetricFilter")] == [
        "/superset/prod/web",
        "/superset/prod/worker",
    ]
    for metric_filter in mocks.inputs_of("aws:cloudwatch/logMetricFilter:LogMetricFilter"):
        assert metric_filter["pattern"] == '"ERROR"'
        assert metric_filter["metricTransformation"] == {
            "name": "ApplicationErrors",
            "namespace": "Superset/prod",
            "value": "1",
            "defaultValue": "0",
        }


def test_dashboard_shows_every_alarm(build: Build) -> None:
    mocks = build(observability())
    (dashboard,) = mocks.inputs_of("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard["dashboardName"] == "superset-prod"
    widgets = json.loads(dashboard["dashboardBody"])["widgets"]
    assert len(widgets[0]["properties"]["alarms"]) == 19
    assert [w["type"] for w in widgets] == ["alarm", "metric", "metric", "metric", "metric"]


def test_email_subscription_and_imported_certificates(build: Build) -> None:
    mocks = build(observability(alarm_email="oncall@example.com", certificate_arn=None))
    assert mocks.inputs_of("aws:sns/topicSubscription:TopicSubscription") == [
        {"topic": TOPIC, "protocol": "email", "endpoint": "oncall@example.com"}
    ]
    assert "certificate-expiry" not in alarms(mocks)


def test_rejects_no_cache_nodes(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="cache_node_ids is empty"):
        observability(cache_node_ids=[])()
