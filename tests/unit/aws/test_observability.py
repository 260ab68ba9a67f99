"""Observability: an encrypted topic only CloudWatch and RDS may publish to, alarms, a dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.observability import (
    GRAPHS,
    Alarm,
    Observability,
    ObservabilityArgs,
    alarm_rows,
    dashboard_widgets,
    metric_table,
)
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops-alarms"


def observability_args(**overrides: Any) -> ObservabilityArgs:
    values: dict[str, Any] = {
        "region": "us-east-1", "account_id": "123456789012", "kms_key_arn": KEY, "dashboard_name": "superset-prod",
        "metric_namespace": "Superset/prod", "cluster_name": "cluster", "web_service_name": "web",
        "worker_service_name": "worker", "beat_service_name": "beat", "load_balancer_arn_suffix": "app/alb/1", "target_group_arn_suffix": "targetgroup/web/2",
        "database_identifier": "superset-prod-metadata", "database_storage_gib": 100, "database_connections_alarm": 680,
        "cache_node_ids": ["cache-001", "cache-002"], "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/c",
        "log_group_names": ["/superset/prod/web", "/superset/prod/worker", "/superset/prod/beat"],
    }  # fmt: skip
    values.update(overrides)
    return ObservabilityArgs(**values)


def observability(**overrides: Any) -> Callable[[], Observability]:
    return lambda: Observability("ops", observability_args(**overrides))


def alarms(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    return {
        r.name.removeprefix("ops-"): r.inputs for r in mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }


def test_topic_is_encrypted_and_only_alarms_and_eventbridge_publish(build: Build) -> None:
    mocks = build(observability())
    assert mocks.inputs_of("aws:sns/topic:Topic") == [{"kmsMasterKeyId": KEY}]
    (policy,) = mocks.inputs_of("aws:sns/topicPolicy:TopicPolicy")
    assert json.loads(policy["policy"])["Statement"] == [
        {"Sid": "AlarmsOfThisAccountPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
         "Action": "sns:Publish", "Resource": TOPIC, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}},
        # the EventBridge guide's statement for SNS targets has no condition
        {"Sid": "EventBridgeRulesPublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "sns:Publish", "Resource": TOPIC},
    ]  # fmt: skip
    assert mocks.of_type("aws:sns/topicSubscription:TopicSubscription") == []  # no e-mail given


def test_the_alarm_set(build: Build) -> None:
    found = alarms(build(observability()))
    assert sorted(found) == sorted([
        "web-cpu", "web-memory", "worker-cpu", "worker-memory", "worker-tasks", "beat-tasks", "target-5xx",
        "alb-5xx", "healthy-hosts", "unhealthy-hosts", "response-time-p99", "database-cpu", "database-connections",
        "database-free-storage", "cache-memory-1", "cache-evictions-1", "cache-cpu-1", "cache-memory-2",
        "cache-evictions-2", "cache-cpu-2", "application-errors", "report-failures", "certificate-expiry",
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


def test_error_events_and_failed_reports_are_counted_in_every_log(build: Build) -> None:
    mocks = build(observability())
    filters = {f.name: f.inputs for f in mocks.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")}
    logs = ["/superset/prod/web", "/superset/prod/worker", "/superset/prod/beat"]
    for metric, short_name, pattern in (
        # a JSON filter on the runtime's error events (runtime/error_events.py), not the text "ERROR"
        ("ApplicationErrors", "errors", '{ ($.level = "ERROR") || ($.level = "CRITICAL") }'),
        # the report executions Superset records, as runtime/reports.py logs them
        ("ReportFailures", "report-failures", '{ ($.event = "report_execution") && ($.state = "Error") }'),
    ):
        mine = [filters[f"ops-{short_name}-{index}"] for index in range(3)]
        assert [f["logGroupName"] for f in mine] == logs
        for metric_filter in mine:
            assert metric_filter["pattern"] == pattern
            assert metric_filter["metricTransformation"] == {
                "name": metric, "namespace": "Superset/prod", "value": "1", "defaultValue": "0",
            }  # fmt: skip
    assert len(filters) == 6


def test_a_failed_report_pages_within_five_minutes(build: Build) -> None:
    alarm = alarms(build(observability()))["report-failures"]
    expected = {"namespace": "Superset/prod", "metricName": "ReportFailures", "statistic": "Sum", "threshold": 0,
                "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 1, "period": 300}  # fmt: skip
    assert {key: alarm[key] for key in expected} == expected


def test_dashboard_shows_every_alarm(build: Build) -> None:
    mocks = build(observability())
    (dashboard,) = mocks.inputs_of("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard["dashboardName"] == "superset-prod"
    widgets = json.loads(dashboard["dashboardBody"])["widgets"]
    assert len(widgets[0]["properties"]["alarms"]) == 23
    assert [w["type"] for w in widgets] == ["alarm", "metric", "metric", "metric", "metric", "metric"]


def test_email_subscription_and_imported_certificates(build: Build) -> None:
    mocks = build(observability(alarm_email="oncall@example.com", certificate_arn=None))
    assert mocks.inputs_of("aws:sns/topicSubscription:TopicSubscription") == [
        {"topic": TOPIC, "protocol": "email", "endpoint": "oncall@example.com"}
    ]
    assert "certificate-expiry" not in alarms(mocks)


def test_task_counts_alarm_below_desired_so_a_stack_asleep_at_night_pages_nobody(build: Build) -> None:
    found = alarms(build(observability()))

    def query(metric_id: str, metric: str, service: str, stat: str) -> dict[str, Any]:
        return {"id": metric_id, "returnData": False, "metric": {
            "namespace": "ECS/ContainerInsights", "metricName": metric, "period": 60, "stat": stat,
            "dimensions": {"ClusterName": "cluster", "ServiceName": service}}}  # fmt: skip

    beat = found["beat-tasks"]
    assert beat["metricQueries"] == [
        {"id": "e", "expression": "FILL(desired, 0) - FILL(m, 0)", "label": "beat-tasks", "returnData": True},
        query("m", "RunningTaskCount", "beat", "Maximum"),
        query("desired", "DesiredTaskCount", "beat", "Maximum"),
    ]  # fmt: skip
    # desired 0 at night (office hours): 0 - 0 never breaches; one task short for 10 minutes does
    assert (beat["threshold"], beat["comparisonOperator"], beat["evaluationPeriods"]) == (
        0,
        "GreaterThanThreshold",
        10,
    )
    assert not {"namespace", "metricName", "statistic", "dimensions", "period"} & set(beat)
    assert found["worker-tasks"]["metricQueries"][2] == query(
        "desired", "DesiredTaskCount", "worker", "Maximum"
    )


def test_no_healthy_web_task_alarms_only_while_the_service_wants_one(build: Build) -> None:
    healthy = alarms(build(observability()))["healthy-hosts"]
    assert healthy["metricQueries"] == [
        {"id": "e", "expression": "IF(FILL(desired, 0) > 0 AND FILL(m, 0) < 1, 1, 0)", "label": "healthy-hosts",
         "returnData": True},
        {"id": "m", "returnData": False, "metric": {
            "namespace": "AWS/ApplicationELB", "metricName": "HealthyHostCount", "period": 60, "stat": "Minimum",
            "dimensions": {"LoadBalancer": "app/alb/1", "TargetGroup": "targetgroup/web/2"}}},
        {"id": "desired", "returnData": False, "metric": {
            "namespace": "ECS/ContainerInsights", "metricName": "DesiredTaskCount", "period": 60, "stat": "Minimum",
            "dimensions": {"ClusterName": "cluster", "ServiceName": "web"}}},
    ]  # fmt: skip
    assert (healthy["threshold"], healthy["evaluationPeriods"], healthy["treatMissingData"]) == (
        0,
        5,
        "notBreaching",
    )


def test_rejects_no_cache_nodes(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="cache_node_ids is empty"):
        observability(cache_node_ids=[])()


# --- the table, without Pulumi ---------------------------------------------------------------------


def test_every_alarm_row_is_on_the_alarm_widget_in_table_order(build: Build) -> None:
    names = [row.short_name for row in alarm_rows(metric_table(observability_args()))]
    mocks = build(observability())
    (dashboard,) = mocks.inputs_of("aws:cloudwatch/dashboard:Dashboard")
    widget = json.loads(dashboard["dashboardBody"])["widgets"][0]
    assert widget["properties"]["alarms"] == [
        f"arn:aws:cloudwatch:us-east-1:123456789012:ops-{n}" for n in names
    ]
    assert sorted(names) == sorted(alarms(mocks))


def test_alarm_names_are_the_table_rows(build: Build) -> None:
    made: list[Observability] = []
    build(lambda: made.append(observability()()))
    assert made[0].alarm_names == [row.short_name for row in alarm_rows(metric_table(observability_args()))]


def test_three_rows_per_cache_node_numbered_from_1() -> None:
    rows = metric_table(observability_args(cache_node_ids=["a-001", "a-002", "a-003"]))
    cache = [
        (row.short_name, dict(row.dimensions))
        for row in alarm_rows(rows)
        if row.namespace == "AWS/ElastiCache"
    ]
    assert cache == [
        (f"cache-{kind}-{n}", {"CacheClusterId": f"a-00{n}"})
        for n in (1, 2, 3)
        for kind in ("memory", "evictions", "cpu")
    ]


def test_the_certificate_row_only_with_a_certificate_arn() -> None:
    def names(**overrides: Any) -> list[str]:
        return [row.short_name for row in alarm_rows(metric_table(observability_args(**overrides)))]

    assert names()[-1] == "certificate-expiry"
    assert "certificate-expiry" not in names(certificate_arn=None)
    assert len(names(certificate_arn=None)) == len(names()) - 1


def test_thresholds_and_descriptions_follow_the_args() -> None:
    args = observability_args(cpu_percent=70, memory_percent=90, response_time_p99_seconds=2.5,
                              database_storage_gib=50, database_connections_alarm=123, cache_node_ids=["c-1"])  # fmt: skip
    rows = {row.short_name: row for row in alarm_rows(metric_table(args))}
    assert {name: row.threshold for name, row in rows.items()} == {
        "web-cpu": 70, "web-memory": 90, "worker-cpu": 70, "worker-memory": 90, "worker-tasks": 0,
        "beat-tasks": 0, "target-5xx": 10, "alb-5xx": 10, "healthy-hosts": 0, "unhealthy-hosts": 0, "response-time-p99": 2.5, "database-cpu": 70, "database-connections": 123,
        "database-free-storage": 50 * 2**30 // 10, "cache-memory-1": 90, "cache-evictions-1": 0, "cache-cpu-1": 70,
        "application-errors": 10, "report-failures": 0, "certificate-expiry": 30,
    }  # fmt: skip
    assert rows["worker-memory"].description == "Superset worker memory above 90% for 5 minutes"
    assert rows["response-time-p99"].description == "p99 response time above 2.5 s for 5 minutes"
    assert rows["database-connections"].description == (
        "More than 123 metadata-database connections: the budget is nearly spent"
    )
    assert rows["cache-cpu-1"].description == "Cache node 1 engine CPU above 70%"
    below = {name for name, row in rows.items() if row.comparison == "LessThanThreshold"}
    assert below == {"database-free-storage", "certificate-expiry"}
    assert {name for name, row in rows.items() if row.period_seconds != 60} == {
        "certificate-expiry",
        "report-failures",
    }
    assert {name for name, row in rows.items() if row.expression} == {
        "worker-tasks",
        "beat-tasks",
        "healthy-hosts",
    }


def test_every_row_graphs_on_a_dashboard_graph() -> None:
    rows = metric_table(observability_args())
    assert {row.graph for row in rows if row.graph is not None} == set(GRAPHS)
    graphed = [row.short_name for row in alarm_rows(rows) if row.graph is not None]
    assert graphed == ["web-cpu", "web-memory", "worker-tasks", "beat-tasks", "target-5xx", "alb-5xx",
                       "healthy-hosts", "database-cpu", "database-connections", "cache-memory-1",
                       "cache-evictions-1"]  # fmt: skip
    assert [row.metric for row in rows if not isinstance(row, Alarm)] == ["RunningTaskCount", "RequestCount"]


def test_dashboard_graphs_are_drawn_from_the_rows() -> None:
    rows = metric_table(observability_args())
    widgets = dashboard_widgets("eu-west-1", rows, ["arn-1", "arn-2"])
    assert widgets[0] == {"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 6,
                          "properties": {"title": "Superset alarms", "alarms": ["arn-1", "arn-2"]}}  # fmt: skip

    def graph(x: int, y: int, title: str, metrics: list[list[str]], stat: str = "Average") -> dict[str, Any]:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": {
            "title": title, "region": "eu-west-1", "metrics": metrics, "period": 60, "stat": stat}}  # fmt: skip

    assert widgets[1:] == [
        graph(0, 6, "Requests and 5xx", [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/alb/1"],
                                         [".", "HTTPCode_Target_5XX_Count", ".", "."],
                                         [".", "HTTPCode_ELB_5XX_Count", ".", "."]], stat="Sum"),
        graph(12, 6, "Web CPU and memory", [["AWS/ECS", "CPUUtilization", "ClusterName", "cluster", "ServiceName", "web"],
                                            [".", "MemoryUtilization", ".", ".", ".", "."]]),
        graph(0, 12, "Metadata database", [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "superset-prod-metadata"],
                                           [".", "DatabaseConnections", ".", "."]]),
        graph(12, 12, "Cache", [["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", "cache-001"],
                                [".", "Evictions", ".", "."]]),
        graph(0, 18, "Running tasks and healthy targets", [
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", "cluster", "ServiceName", "web"],
            [".", ".", ".", ".", ".", "worker"],
            [".", ".", ".", ".", ".", "beat"],
            ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", "app/alb/1", "TargetGroup", "targetgroup/web/2"],
        ], stat="Minimum"),
    ]  # fmt: skip
