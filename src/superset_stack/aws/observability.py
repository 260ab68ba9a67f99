"""Observability: alarms that reach a person, and one dashboard with all of them.

Creates an SNS topic encrypted with the stack key (CloudWatch and RDS events may publish to it,
nothing else), an optional e-mail subscription, a metric filter counting ERROR lines in the web and
worker logs, and alarms with alarm and OK actions on: web and worker CPU and memory, load balancer
target 5xx and load balancer 5xx, unhealthy targets, p99 response time, database CPU, connections
(threshold from the connection budget) and free storage, cache memory, evictions and engine CPU
per node, application errors, and the certificate's days to expiry. A CloudWatch dashboard shows
every alarm's state and the main graphs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60


@dataclass(frozen=True, kw_only=True)
class ObservabilityArgs:
    """Inputs for :class:`Observability`.

    Attributes:
        region, account_id: where the metrics are.
        kms_key_arn: key of the topic.
        dashboard_name: CloudWatch dashboard name (unique per account and region).
        metric_namespace: namespace of the application-error metric.
        cluster_name, web_service_name, worker_service_name: ECS dimensions.
        load_balancer_arn_suffix, target_group_arn_suffix: ALB dimensions.
        database_identifier: RDS instance identifier.
        database_storage_gib: allocated storage (free-storage threshold is 10% of it).
        database_connections_alarm: connection count that raises the alarm.
        cache_node_ids: ElastiCache node ids.
        certificate_arn: the certificate to watch; none for an imported one you watch yourself.
        log_group_names: web and worker log groups to count ERROR lines in.
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
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args.kms_key_arn, opts=self._child)
        aws.sns.TopicPolicy(
            f"{name}-alarms",
            arn=topic.arn,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AlarmsAndDatabaseEventsPublish",
                            "Effect": "Allow",
                            "Principal": {
                                "Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]
                            },
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                        }
                    ],
                }
            ),
            opts=self._child,
        )
        if args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=self._child,
            )
        self._topic = topic.arn

        for index, group in enumerate(args.log_group_names):
            aws.cloudwatch.LogMetricFilter(
                f"{name}-errors-{index}",
                log_group_name=group,
                pattern='"ERROR"',
                metric_transformation={
                    "name": "ApplicationErrors",
                    "namespace": args.metric_namespace,
                    "value": "1",
                    "default_value": "0",
                },
                opts=self._child,
            )

        ecs = "AWS/ECS"
        self.alarm_names = []
        self._alarm_arns = []
        for service, service_name in (("web", args.web_service_name), ("worker", args.worker_service_name)):
            dims = {"ClusterName": args.cluster_name, "ServiceName": service_name}
            self._alarm(
                f"{service}-cpu",
                ecs,
                "CPUUtilization",
                "Average",
                args.cpu_percent,
                dims,
                5,
                f"Superset {service} CPU above {args.cpu_percent}% for 5 minutes",
            )
            self._alarm(
                f"{service}-memory",
                ecs,
                "MemoryUtilization",
                "Average",
                args.memory_percent,
                dims,
                5,
                f"Superset {service} memory above {args.memory_percent}% for 5 minutes",
            )
        alb = {"LoadBalancer": args.load_balancer_arn_suffix}
        target = {**alb, "TargetGroup": args.target_group_arn_suffix}
        self._alarm(
            "target-5xx",
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            "Sum",
            10,
            target,
            5,
            "Superset answered more than 10 5xx responses a minute for 5 minutes",
        )
        self._alarm(
            "alb-5xx",
            "AWS/ApplicationELB",
            "HTTPCode_ELB_5XX_Count",
            "Sum",
            10,
            alb,
            5,
            "The load balancer answered more than 10 5xx a minute (no healthy target, timeouts)",
        )
        self._alarm(
            "unhealthy-hosts",
            "AWS/ApplicationELB",
            "UnHealthyHostCount",
            "Maximum",
            0,
            target,
            3,
            "A Superset web task fails its health check",
        )
        self._alarm(
            "response-time-p99",
            "AWS/ApplicationELB",
            "TargetResponseTime",
            "p99",
            args.response_time_p99_seconds,
            target,
            5,
            f"p99 response time above {args.response_time_p99_seconds} s for 5 minutes",
        )
        database = {"DBInstanceIdentifier": args.database_identifier}
        self._alarm(
            "database-cpu",
            "AWS/RDS",
            "CPUUtilization",
            "Average",
            args.cpu_percent,
            database,
            5,
            f"Metadata database CPU above {args.cpu_percent}%",
        )
        self._alarm(
            "database-connections",
            "AWS/RDS",
            "DatabaseConnections",
            "Maximum",
            args.database_connections_alarm,
            database,
            3,
            f"More than {args.database_connections_alarm} metadata-database connections: the budget is "
            "nearly spent",
        )
        free_bytes = args.database_storage_gib * 2**30 // 10
        self._alarm(
            "database-free-storage",
            "AWS/RDS",
            "FreeStorageSpace",
            "Minimum",
            free_bytes,
            database,
            5,
            "Metadata database has less than 10% of its storage free",
            comparison="LessThanThreshold",
        )
        for index, node in enumerate(args.cache_node_ids, start=1):
            dims = {"CacheClusterId": node}
            self._alarm(
                f"cache-memory-{index}",
                "AWS/ElastiCache",
                "DatabaseMemoryUsagePercentage",
                "Average",
                args.memory_percent,
                dims,
                5,
                f"Cache node {index} memory above {args.memory_percent}%",
            )
            self._alarm(
                f"cache-evictions-{index}",
                "AWS/ElastiCache",
                "Evictions",
                "Sum",
                0,
                dims,
                5,
                f"Cache node {index} evicts keys: it is too small for the working set",
            )
            self._alarm(
                f"cache-cpu-{index}",
                "AWS/ElastiCache",
                "EngineCPUUtilization",
                "Average",
                args.cpu_percent,
                dims,
                5,
                f"Cache node {index} engine CPU above {args.cpu_percent}%",
            )
        self._alarm(
            "application-errors",
            args.metric_namespace,
            "ApplicationErrors",
            "Sum",
            10,
            {},
            5,
            "More than 10 ERROR log lines a minute in Superset web or worker",
        )
        if args.certificate_arn is not None:
            self._alarm(
                "certificate-expiry",
                "AWS/CertificateManager",
                "DaysToExpiry",
                "Minimum",
                30,
                {"CertificateArn": args.certificate_arn},
                1,
                "The certificate expires within 30 days (DNS validation record missing?)",
                comparison="LessThanThreshold",
                period=86400,
            )

        dashboard_body = pulumi.Output.json_dumps(
            {
                "widgets": [
                    {
                        "type": "alarm",
                        "x": 0,
                        "y": 0,
                        "width": 24,
                        "height": 6,
                        "properties": {"title": "Superset alarms", "alarms": self._alarm_arns},
                    },
                    self._graph(
                        0,
                        "Requests and 5xx",
                        [
                            [
                                "AWS/ApplicationELB",
                                "RequestCount",
                                "LoadBalancer",
                                args.load_balancer_arn_suffix,
                            ],
                            [".", "HTTPCode_Target_5XX_Count", ".", "."],
                            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
                        ],
                        args.region,
                        stat="Sum",  # counts add up per period; an average of counts hides spikes
                    ),
                    self._graph(
                        12,
                        "Web CPU and memory",
                        [
                            [
                                "AWS/ECS",
                                "CPUUtilization",
                                "ClusterName",
                                args.cluster_name,
                                "ServiceName",
                                args.web_service_name,
                            ],
                            [".", "MemoryUtilization", ".", ".", ".", "."],
                        ],
                        args.region,
                    ),
                    self._graph(
                        0,
                        "Metadata database",
                        [
                            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", args.database_identifier],
                            [".", "DatabaseConnections", ".", "."],
                        ],
                        args.region,
                        y=12,
                    ),
                    self._graph(
                        12,
                        "Cache",
                        [
                            [
                                "AWS/ElastiCache",
                                "DatabaseMemoryUsagePercentage",
                                "CacheClusterId",
                                args.cache_node_ids[0],
                            ],
                            [".", "Evictions", ".", "."],
                        ],
                        args.region,
                        y=12,
                    ),
                ],
            }
        )
        aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=dashboard_body,
            opts=self._child,
        )

        self.topic_arn = topic.arn
        self.dashboard_name = args.dashboard_name
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "dashboard_name": self.dashboard_name,
                "alarm_names": self.alarm_names,
            }
        )

    _alarm_arns: list[pulumi.Output[str]]

    def _alarm(  # noqa: PLR0917 - reads as a table of alarms at the call sites
        self,
        short_name: str,
        namespace: str,
        metric: str,
        statistic: str,
        threshold: float,
        dimensions: Mapping[str, pulumi.Input[str]],
        periods: int,
        description: str,
        *,
        comparison: str = "GreaterThanThreshold",
        period: int = PERIOD_SECONDS,
    ) -> None:
        percentile = statistic.startswith("p")
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{short_name}",
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            statistic=None if percentile else statistic,
            extended_statistic=statistic if percentile else None,
            dimensions=dict(dimensions) or None,
            period=period,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            threshold=threshold,
            comparison_operator=comparison,
            treat_missing_data="notBreaching",
            actions_enabled=True,
            alarm_actions=[self._topic],
            ok_actions=[self._topic],
            opts=self._child,
        )
        self.alarm_names.append(short_name)
        self._alarm_arns.append(alarm.arn)

    @staticmethod
    def _graph(
        x: int, title: str, metrics: list[list[Any]], region: str, *, y: int = 6, stat: str = "Average"
    ) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "metrics": metrics,
                "period": PERIOD_SECONDS,
                "stat": stat,
            },
        }
