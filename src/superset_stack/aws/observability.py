"""Observability: alarms that reach a person, and one dashboard with all of them.

Creates an SNS topic encrypted with the stack key (this account's CloudWatch alarms and EventBridge
rules, which bring the database's events, may publish to it, nothing else), an optional e-mail
subscription, metric filters counting the error events the runtime logs as JSON
(runtime/error_events.py) and its failed report executions (runtime/reports.py) in the web, worker
and beat logs, and alarms with
alarm and OK actions on: web and worker CPU and memory, worker or beat running fewer tasks than
desired, load balancer target 5xx and load balancer 5xx, no healthy target, unhealthy targets, p99
response time, database CPU, connections (threshold from the connection budget) and free storage,
cache memory, evictions and engine CPU per node, application errors, failed alerts and reports, and
the certificate's days to expiry. A CloudWatch dashboard shows every alarm's state and the main graphs.

The alarms are a table (:func:`metric_table`, one :class:`Alarm` row each) that one loop turns into
resources; the dashboard's graphs are drawn from the same rows, so an alarm and its graph name the
same metric.

Task counts compare the running tasks with the desired ones (metric math over ECS Container
Insights) instead of a fixed floor: office hours scale every service to zero at night, when zero
running tasks is what is wanted, and a worker short of one of its tasks is caught too. Missing data
never breaches, so a stopped stack pages nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack.aws.iam import policy_document

PERIOD_SECONDS = 60
ALB = "AWS/ApplicationELB"
ECS = "AWS/ECS"
ECS_INSIGHTS = "ECS/ContainerInsights"
RDS = "AWS/RDS"
ELASTICACHE = "AWS/ElastiCache"


@dataclass(frozen=True, kw_only=True)
class ObservabilityArgs:
    """Inputs for :class:`Observability`.

    Attributes:
        region, account_id: where the metrics are.
        kms_key_arn: key of the topic.
        dashboard_name: CloudWatch dashboard name (unique per account and region).
        metric_namespace: namespace of the application-error metric.
        cluster_name, web_service_name, worker_service_name, beat_service_name: ECS dimensions.
        load_balancer_arn_suffix, target_group_arn_suffix: ALB dimensions.
        database_identifier: RDS instance identifier.
        database_storage_gib: allocated storage (free-storage threshold is 10% of it).
        database_connections_alarm: connection count that raises the alarm.
        cache_node_ids: ElastiCache node ids.
        certificate_arn: the certificate to watch; none for an imported one you watch yourself.
        log_group_names: log groups to count error events in (web, worker, beat).
        alarm_email: subscribed to the topic when set.
        cpu_percent, memory_percent: utilisation thresholds. Default 80.
        response_time_p99_seconds: p99 latency threshold. Defaults to 5.
    """

    region: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    dashboard_name: str
    metric_namespace: str
    cluster_name: pulumi.Input[str]
    web_service_name: pulumi.Input[str]
    worker_service_name: pulumi.Input[str]
    beat_service_name: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    database_identifier: str
    database_storage_gib: int
    database_connections_alarm: int
    cache_node_ids: Sequence[pulumi.Input[str]]
    certificate_arn: pulumi.Input[str] | None
    log_group_names: Sequence[pulumi.Input[str]]
    alarm_email: str = ""
    cpu_percent: int = 80
    memory_percent: int = 80
    response_time_p99_seconds: float = 5.0


@dataclass(frozen=True, kw_only=True)
class Graph:
    """A dashboard graph: one line per table row that names it, in table order, per minute.

    Attributes:
        title: the widget's title.
        stat: the statistic every line shows. Defaults to Average.
        dimensions: the dimensions a line keeps of its row's; none keeps them all.
    """

    title: str
    stat: str = "Average"
    dimensions: tuple[str, ...] | None = None


# Counts add up per period (an average of counts hides spikes). Lines keep only the load balancer:
# target 5xx is summed over its target groups there, while the alarm watches Superset's one.
REQUESTS = Graph(title="Requests and 5xx", stat="Sum", dimensions=("LoadBalancer",))
WEB = Graph(title="Web CPU and memory")
DATABASE = Graph(title="Metadata database")
CACHE = Graph(title="Cache")
TASKS = Graph(title="Running tasks and healthy targets", stat="Minimum")
GRAPHS = (REQUESTS, WEB, DATABASE, CACHE, TASKS)  # dashboard order: two a row, under the alarm widget


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A row of the table: a CloudWatch metric, and the dashboard graph that shows it.

    Attributes:
        namespace, metric, dimensions: which metric.
        graph: the graph with a line for it. Defaults to none: not on the dashboard.
    """

    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    graph: Graph | None = None


@dataclass(frozen=True, kw_only=True)
class Alarm(Metric):
    """A row of the alarm table: an alarm on a metric, and what it means when it fires.

    Attributes:
        short_name: the alarm's name after the component's (``<name>-<short_name>``).
        statistic: Average, Sum, Minimum, Maximum, or a percentile such as p99.
        threshold: what ``comparison`` compares the statistic with, in the metric's unit.
        evaluation_periods: consecutive periods that must all breach to raise the alarm.
        description: what it means.
        comparison: Defaults to GreaterThanThreshold.
        period_seconds: Defaults to 60.
        expression: CloudWatch metric math the alarm watches instead of the metric itself, naming
            the row's metric ``m`` and each of ``operands`` by its key; every metric at
            ``statistic``. Defaults to none: the alarm watches the metric. The graph, if any,
            shows the row's metric either way.
        operands: the other metrics ``expression`` reads, by id. Defaults to none.
    """

    short_name: str
    statistic: str
    threshold: float
    evaluation_periods: int
    description: str
    comparison: str = "GreaterThanThreshold"
    period_seconds: int = PERIOD_SECONDS
    expression: str = ""
    operands: Mapping[str, Metric] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LogMetric:
    """A metric counting the log events that match ``pattern`` in the stack's logs (1 per event).

    Attributes:
        short_name: the filters are named ``<name>-<short_name>-<index of the log group>``.
        metric: metric name in the stack's metric namespace.
        pattern: CloudWatch Logs filter pattern.
    """

    short_name: str
    metric: str
    pattern: str


# The runtime writes every ERROR and CRITICAL record as one JSON event (runtime/error_events.py):
# a JSON filter counts those, not every line that happens to contain the text "ERROR".
ERROR_EVENTS_PATTERN = '{ ($.level = "ERROR") || ($.level = "CRITICAL") }'
APPLICATION_ERRORS = LogMetric(short_name="errors", metric="ApplicationErrors", pattern=ERROR_EVENTS_PATTERN)
# Every alert or report execution Superset records is one JSON event (runtime/reports.py); these
# are the ones that failed (screenshot, query or delivery).
REPORT_FAILURES_PATTERN = '{ ($.event = "report_execution") && ($.state = "Error") }'
REPORT_FAILURES = LogMetric(
    short_name="report-failures", metric="ReportFailures", pattern=REPORT_FAILURES_PATTERN
)
LOG_METRICS = (APPLICATION_ERRORS, REPORT_FAILURES)


class Observability(pulumi.ComponentResource):
    """SNS topic, alarms, an application-error metric and the dashboard."""

    topic_arn: pulumi.Output[str]
    dashboard_name: str
    alarm_names: list[str]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("superset:observability:Observability", name, None, opts)
        if not args.cache_node_ids:
            raise ValueError("cache_node_ids is empty: the cache has at least one node")
        child = pulumi.ResourceOptions(parent=self)

        topic_arn = _alarm_topic(name, args, child)
        _log_metric_filters(name, args, child)
        rows = metric_table(args)
        alarms = _metric_alarms(name, alarm_rows(rows), topic_arn, child)
        widgets = dashboard_widgets(args.region, rows, [alarm.arn for alarm in alarms])
        aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
            opts=child,
        )

        self.topic_arn = topic_arn
        self.dashboard_name = args.dashboard_name
        self.alarm_names = [row.short_name for row in alarm_rows(rows)]
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "dashboard_name": self.dashboard_name,
                "alarm_names": self.alarm_names,
            }
        )


# --- the table ---------------------------------------------------------------------------------


def metric_table(args: ObservabilityArgs) -> list[Metric]:
    """Every metric watched, in the order of the alarm widget and of each graph's lines.

    One :class:`Alarm` row per alarm (three per cache node, numbered from 1; the certificate's only
    with a certificate ARN) and plain :class:`Metric` rows for what is only graphed.
    """
    return [
        *_service_rows(args),
        *_load_balancer_rows(args),
        *_database_rows(args),
        *_cache_rows(args),
        *_application_rows(args),
        *_certificate_rows(args),
    ]


def alarm_rows(rows: Iterable[Metric]) -> list[Alarm]:
    """The rows that are alarms, in table order."""
    return [row for row in rows if isinstance(row, Alarm)]


def _service_rows(args: ObservabilityArgs) -> list[Metric]:
    services = (("web", args.web_service_name), ("worker", args.worker_service_name))
    return [
        *(row for service, service_name in services for row in _ecs_rows(args, service, service_name)),
        *_task_rows(args),
    ]


def _ecs_rows(args: ObservabilityArgs, service: str, service_name: pulumi.Input[str]) -> list[Metric]:
    dims = {"ClusterName": args.cluster_name, "ServiceName": service_name}
    cpu, memory = args.cpu_percent, args.memory_percent
    graph = WEB if service == "web" else None
    return [
        Alarm(short_name=f"{service}-cpu", namespace=ECS, metric="CPUUtilization", dimensions=dims,
              statistic="Average", threshold=cpu, evaluation_periods=5, graph=graph,
              description=f"Superset {service} CPU above {cpu}% for 5 minutes"),
        Alarm(short_name=f"{service}-memory", namespace=ECS, metric="MemoryUtilization", dimensions=dims,
              statistic="Average", threshold=memory, evaluation_periods=5, graph=graph,
              description=f"Superset {service} memory above {memory}% for 5 minutes"),
    ]  # fmt: skip


def _task_rows(args: ObservabilityArgs) -> list[Metric]:
    """Running tasks of every service on the dashboard; an alarm when the worker or beat runs fewer
    than desired for 10 minutes (a start or a rollout takes less). Without the worker nothing runs
    async queries and reports; without beat no report is scheduled and nothing is pruned."""

    def dims(service_name: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
        return {"ClusterName": args.cluster_name, "ServiceName": service_name}

    web = dims(args.web_service_name)
    rows: list[Metric] = [
        Metric(namespace=ECS_INSIGHTS, metric="RunningTaskCount", dimensions=web, graph=TASKS)
    ]
    for service, name in (("worker", args.worker_service_name), ("beat", args.beat_service_name)):
        desired = Metric(namespace=ECS_INSIGHTS, metric="DesiredTaskCount", dimensions=dims(name))
        rows.append(
            Alarm(short_name=f"{service}-tasks", namespace=ECS_INSIGHTS, metric="RunningTaskCount",
                  dimensions=dims(name), statistic="Maximum", threshold=0, evaluation_periods=10, graph=TASKS,
                  expression="FILL(desired, 0) - FILL(m, 0)", operands={"desired": desired},
                  description=f"Superset {service} runs fewer tasks than desired for 10 minutes")
        )  # fmt: skip
    return rows


def _load_balancer_rows(args: ObservabilityArgs) -> list[Metric]:
    alb = {"LoadBalancer": args.load_balancer_arn_suffix}
    target = {**alb, "TargetGroup": args.target_group_arn_suffix}
    web = {"ClusterName": args.cluster_name, "ServiceName": args.web_service_name}
    p99 = args.response_time_p99_seconds
    return [
        Metric(namespace=ALB, metric="RequestCount", dimensions=alb, graph=REQUESTS),
        Alarm(short_name="target-5xx", namespace=ALB, metric="HTTPCode_Target_5XX_Count", dimensions=target,
              statistic="Sum", threshold=10, evaluation_periods=5, graph=REQUESTS,
              description="Superset answered more than 10 5xx responses a minute for 5 minutes"),
        Alarm(short_name="alb-5xx", namespace=ALB, metric="HTTPCode_ELB_5XX_Count", dimensions=alb,
              statistic="Sum", threshold=10, evaluation_periods=5, graph=REQUESTS,
              description="The load balancer answered more than 10 5xx a minute "
              "(no healthy target, timeouts)"),
        Alarm(short_name="healthy-hosts", namespace=ALB, metric="HealthyHostCount", dimensions=target,
              statistic="Minimum", threshold=0, evaluation_periods=5, graph=TASKS,
              expression="IF(FILL(desired, 0) > 0 AND FILL(m, 0) < 1, 1, 0)",
              operands={"desired": Metric(namespace=ECS_INSIGHTS, metric="DesiredTaskCount", dimensions=web)},
              description="No healthy Superset web task behind the load balancer for 5 minutes while the "
              "service wants one (UnHealthyHostCount stays 0 when no task is registered at all)"),
        Alarm(short_name="unhealthy-hosts", namespace=ALB, metric="UnHealthyHostCount", dimensions=target,
              statistic="Maximum", threshold=0, evaluation_periods=3,
              description="A Superset web task fails its health check"),
        Alarm(short_name="response-time-p99", namespace=ALB, metric="TargetResponseTime", dimensions=target,
              statistic="p99", threshold=p99, evaluation_periods=5,
              description=f"p99 response time above {p99} s for 5 minutes"),
    ]  # fmt: skip


def _database_rows(args: ObservabilityArgs) -> list[Metric]:
    db = {"DBInstanceIdentifier": args.database_identifier}
    cpu, connections = args.cpu_percent, args.database_connections_alarm
    free_bytes = args.database_storage_gib * 2**30 // 10
    return [
        Alarm(short_name="database-cpu", namespace=RDS, metric="CPUUtilization", dimensions=db,
              statistic="Average", threshold=cpu, evaluation_periods=5, graph=DATABASE,
              description=f"Metadata database CPU above {cpu}%"),
        Alarm(short_name="database-connections", namespace=RDS, metric="DatabaseConnections", dimensions=db,
              statistic="Maximum", threshold=connections, evaluation_periods=3, graph=DATABASE,
              description=f"More than {connections} metadata-database connections: the budget is "
              "nearly spent"),
        Alarm(short_name="database-free-storage", namespace=RDS, metric="FreeStorageSpace", dimensions=db,
              statistic="Minimum", threshold=free_bytes, evaluation_periods=5, comparison="LessThanThreshold",
              description="Metadata database has less than 10% of its storage free"),
    ]  # fmt: skip


def _cache_rows(args: ObservabilityArgs) -> list[Metric]:
    nodes = enumerate(args.cache_node_ids, start=1)
    return [row for number, node in nodes for row in _cache_node_rows(args, number, node)]


def _cache_node_rows(args: ObservabilityArgs, n: int, node: pulumi.Input[str]) -> list[Metric]:
    dims = {"CacheClusterId": node}
    cpu, memory = args.cpu_percent, args.memory_percent
    graph = CACHE if n == 1 else None  # the dashboard shows the first node
    return [
        Alarm(short_name=f"cache-memory-{n}", namespace=ELASTICACHE, metric="DatabaseMemoryUsagePercentage",
              dimensions=dims, statistic="Average", threshold=memory, evaluation_periods=5, graph=graph,
              description=f"Cache node {n} memory above {memory}%"),
        Alarm(short_name=f"cache-evictions-{n}", namespace=ELASTICACHE, metric="Evictions",
              dimensions=dims, statistic="Sum", threshold=0, evaluation_periods=5, graph=graph,
              description=f"Cache node {n} evicts keys: it is too small for the working set"),
        Alarm(short_name=f"cache-cpu-{n}", namespace=ELASTICACHE, metric="EngineCPUUtilization",
              dimensions=dims, statistic="Average", threshold=cpu, evaluation_periods=5,
              description=f"Cache node {n} engine CPU above {cpu}%"),
    ]  # fmt: skip


def _application_rows(args: ObservabilityArgs) -> list[Metric]:
    errors = APPLICATION_ERRORS.metric
    return [
        Alarm(short_name="application-errors", namespace=args.metric_namespace, metric=errors, dimensions={},
              statistic="Sum", threshold=10, evaluation_periods=5,
              description="More than 10 error events (level ERROR or CRITICAL) a minute in the Superset "
              "logs for 5 minutes"),
        Alarm(short_name="report-failures", namespace=args.metric_namespace, metric=REPORT_FAILURES.metric,
              dimensions={}, statistic="Sum", threshold=0, evaluation_periods=1, period_seconds=300,
              description="An alert or report failed in the last 5 minutes (screenshot, query or delivery): "
              "the worker log's report_execution events with state Error say which and why"),
    ]  # fmt: skip


def _certificate_rows(args: ObservabilityArgs) -> list[Metric]:
    if args.certificate_arn is None:
        return []  # an imported certificate: its owner watches it
    acm, certificate = "AWS/CertificateManager", {"CertificateArn": args.certificate_arn}
    return [
        Alarm(short_name="certificate-expiry", namespace=acm, metric="DaysToExpiry", dimensions=certificate,
              statistic="Minimum", threshold=30, evaluation_periods=1, comparison="LessThanThreshold",
              period_seconds=86400,
              description="The certificate expires within 30 days (DNS validation record missing?)"),
    ]  # fmt: skip


# --- resources ---------------------------------------------------------------------------------


def _alarm_topic(name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """The topic alarms notify (encrypted with the stack key), its policy, the e-mail subscription.

    Returns the topic's ARN.
    """
    topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args.kms_key_arn, opts=opts)
    aws.sns.TopicPolicy(
        f"{name}-alarms", arn=topic.arn, policy=_publish_policy(topic.arn, args.account_id), opts=opts
    )
    if args.alarm_email:
        aws.sns.TopicSubscription(
            f"{name}-email", topic=topic.arn, protocol="email", endpoint=args.alarm_email, opts=opts
        )
    arn: pulumi.Output[str] = topic.arn
    return arn


def _publish_policy(topic_arn: pulumi.Input[str], account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """Topic policy JSON: only CloudWatch alarms of this account and EventBridge rules may publish.

    EventBridge's statement has no condition, as the EventBridge guide documents it for SNS targets
    ("Amazon SNS permissions"); the database's events arrive through the rule in backup.py. The
    stack key lets both encrypt for the topic (secrets.py).
    """
    return policy_document(
        [
            {
                "Sid": "AlarmsOfThisAccountPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            {
                "Sid": "EventBridgeRulesPublish",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
            },
        ]
    )


def _log_metric_filters(name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions) -> None:
    """A metric filter per log metric and log group, into the stack's metric namespace."""
    for log_metric in LOG_METRICS:
        for index, group in enumerate(args.log_group_names):
            aws.cloudwatch.LogMetricFilter(
                f"{name}-{log_metric.short_name}-{index}",
                log_group_name=group,
                pattern=log_metric.pattern,
                metric_transformation={
                    "name": log_metric.metric,
                    "namespace": args.metric_namespace,
                    "value": "1",
                    "default_value": "0",
                },
                opts=opts,
            )


def _metric_alarms(
    name: str, rows: Iterable[Alarm], topic_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> list[aws.cloudwatch.MetricAlarm]:
    """A metric alarm per row, ``<name>-<short_name>``, notifying the topic on alarm and on OK.

    Every one of the evaluation periods must breach; missing data does not breach.
    """
    return [
        aws.cloudwatch.MetricAlarm(
            f"{name}-{row.short_name}",
            alarm_description=row.description,
            **_watched(row),
            evaluation_periods=row.evaluation_periods,
            datapoints_to_alarm=row.evaluation_periods,
            threshold=row.threshold,
            comparison_operator=row.comparison,
            treat_missing_data="notBreaching",
            actions_enabled=True,
            alarm_actions=[topic_arn],
            ok_actions=[topic_arn],
            opts=opts,
        )
        for row in rows
    ]


def _watched(row: Alarm) -> dict[str, Any]:
    """The MetricAlarm arguments naming what a row's alarm watches: its metric, or its expression
    over its metric (id ``m``) and operands, every metric at the row's statistic and period."""
    if not row.expression:
        percentile = row.statistic.startswith("p")
        return {
            "namespace": row.namespace,
            "metric_name": row.metric,
            "statistic": None if percentile else row.statistic,
            "extended_statistic": row.statistic if percentile else None,
            "dimensions": dict(row.dimensions) or None,
            "period": row.period_seconds,
        }
    metrics = {"m": row, **row.operands}
    return {
        "metric_queries": [
            {"id": "e", "expression": row.expression, "label": row.short_name, "return_data": True},
            *(
                {
                    "id": metric_id,
                    "metric": {
                        "namespace": metric.namespace,
                        "metric_name": metric.metric,
                        "dimensions": dict(metric.dimensions),
                        "period": row.period_seconds,
                        "stat": row.statistic,
                    },
                    "return_data": False,
                }
                for metric_id, metric in metrics.items()
            ),
        ]
    }


# --- the dashboard -----------------------------------------------------------------------------


def dashboard_widgets(
    region: str, rows: Sequence[Metric], alarm_arns: Sequence[pulumi.Input[str]]
) -> list[dict[str, Any]]:
    """The dashboard's widgets: every alarm's state across the top, then the graphs, two a row.

    Each graph of :data:`GRAPHS` has a line per row that names it, 12 wide and 6 high.
    """
    widgets: list[dict[str, Any]] = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 6,
            "properties": {"title": "Superset alarms", "alarms": list(alarm_arns)},
        }
    ]
    for index, graph in enumerate(GRAPHS):
        lines = [_graph_line(row, graph) for row in rows if row.graph == graph]
        widgets.append(
            {
                "type": "metric",
                "x": 12 * (index % 2),
                "y": 6 + 6 * (index // 2),
                "width": 12,
                "height": 6,
                "properties": {
                    "title": graph.title,
                    "region": region,
                    "metrics": _with_dots(lines),
                    "period": PERIOD_SECONDS,
                    "stat": graph.stat,
                },
            }
        )
    return widgets


def _graph_line(row: Metric, graph: Graph) -> list[pulumi.Input[str]]:
    """``[namespace, metric, dimension, value, ...]``, with the dimensions the graph keeps."""
    line: list[pulumi.Input[str]] = [row.namespace, row.metric]
    for dimension, value in row.dimensions.items():
        if graph.dimensions is None or dimension in graph.dimensions:
            line += [dimension, value]
    return line


def _with_dots(lines: list[list[pulumi.Input[str]]]) -> list[list[pulumi.Input[str]]]:
    """CloudWatch's shorthand: "." for a field that is the one at the same place in the line above.

    An Output equals only itself: rows that share a dimension share the very same value.
    """
    return [
        ["." if place < len(above) and field == above[place] else field for place, field in enumerate(line)]
        for above, line in zip([[], *lines], lines, strict=False)  # the line above the first: none
    ]
