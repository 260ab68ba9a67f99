"""SupersetStack: each preset builds end to end; counts, zone spread, tags and wiring."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from superset_stack.aws.stack import SupersetStack
from superset_stack.plan.recording import SECRET, RecordedResource, RecordingMocks
from superset_stack.settings import Settings
from tests.conftest import make_settings

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/superset-secrets"


def build_stack(build: Build, settings: Settings) -> RecordingMocks:
    return build(lambda: SupersetStack("superset", settings))


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


@pytest.mark.parametrize(
    ("environment", "zones", "nats", "endpoint_zones", "extra_roles"),
    # dev: endpoints in one zone instead of a NAT, and a scheduler role; staging/prod: RDS monitoring
    [("dev", 2, 0, 1, 1), ("staging", 2, 1, 0, 1), ("prod", 3, 3, 3, 1)],
)
def test_each_preset_builds_end_to_end(
    build: Build, environment: str, zones: int, nats: int, endpoint_zones: int, extra_roles: int
) -> None:
    mocks = build_stack(build, make_settings(environment))
    counts = Counter(mocks.types())
    assert counts["aws:ec2/subnet:Subnet"] == 2 * zones
    assert counts["aws:ec2/natGateway:NatGateway"] == nats
    interface = [r for r in mocks.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if r.inputs.get("subnetIds")]
    assert len(interface) == (4 if endpoint_zones else 0)
    assert {len(r.inputs["subnetIds"]) for r in interface} <= {endpoint_zones}
    assert counts["aws:rds/instance:Instance"] == 1
    assert counts["aws:elasticache/replicationGroup:ReplicationGroup"] == 1
    assert counts["aws:s3/bucket:Bucket"] == 2  # SQL Lab results, load balancer access logs
    assert counts["aws:kms/key:Key"] == 1
    assert counts["aws:secretsmanager/secret:Secret"] == 3
    # flow logs, task execution, task, AWS Backup (+ RDS monitoring or the office-hours scheduler)
    assert counts["aws:iam/role:Role"] == 4 + extra_roles
    assert counts["aws:backup/selection:Selection"] == 1
    assert counts["aws:cloudwatch/dashboard:Dashboard"] == 1
    assert counts["aws:ecs/service:Service"] == 3
    assert counts["aws:ecs/taskDefinition:TaskDefinition"] == 4
    assert counts["aws:lb/listener:Listener"] == 2
    components = {r.type for r in mocks if r.type.startswith("superset:")}
    expected = {"superset:stack:SupersetStack", "superset:secrets:Secrets", "superset:network:Network",
                "superset:security_groups:SecurityGroups", "superset:storage:Storage",
                "superset:database:Database", "superset:cache:Cache", "superset:certificate:Certificate",
                "superset:load_balancer:LoadBalancer", "superset:image:Image", "superset:service:Services",
                "superset:observability:Observability", "superset:backup:Backup"}  # fmt: skip
    optional = {"superset:endpoints:VpcEndpoints"} if endpoint_zones else set()
    if environment == "prod":
        optional.add("superset:waf:WebFirewall")
    assert components == expected | optional


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_subnets_cover_every_configured_zone(build: Build, environment: str) -> None:
    settings = make_settings(environment)
    mocks = build_stack(build, settings)
    subnets = mocks.inputs_of("aws:ec2/subnet:Subnet")
    for tier in ("public", "private"):
        zones = sorted(s["availabilityZone"] for s in subnets if s["tags"]["Tier"] == tier)
        assert zones == sorted(settings.availability_zones)
    (db_subnets,) = mocks.inputs_of("aws:rds/subnetGroup:SubnetGroup")
    private_ids = sorted(f"superset-network-private-{zone}-id" for zone in settings.availability_zones)
    assert sorted(db_subnets["subnetIds"]) == private_ids
    (cache_subnets,) = mocks.inputs_of("aws:elasticache/subnetGroup:SubnetGroup")
    assert sorted(cache_subnets["subnetIds"]) == private_ids


def test_one_provider_with_cost_allocation_default_tags_serves_every_aws_resource(build: Build) -> None:
    settings = make_settings("prod")
    mocks = build_stack(build, settings)
    (provider,) = mocks.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": settings.tags}
    providers = {r.provider for r in mocks if r.type.startswith("aws:")}
    assert len(providers) == 1
    (reference,) = providers
    assert reference is not None and reference.endswith("::superset-aws::superset-aws-id")


def test_data_tier_is_wired_to_its_own_groups_and_the_stack_key(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod"))
    (instance,) = mocks.inputs_of("aws:rds/instance:Instance")
    assert instance["vpcSecurityGroupIds"] == ["superset-sg-database-id"]
    assert instance["kmsKeyId"] == KEY
    assert instance["identifier"] == "superset-prod-metadata"
    (group,) = mocks.inputs_of("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group["securityGroupIds"] == ["superset-sg-cache-id"]
    assert group["kmsKeyId"] == KEY
    assert group["authToken"] == SECRET
    for log_group in mocks.inputs_of("aws:cloudwatch/logGroup:LogGroup"):
        assert log_group["kmsKeyId"] == KEY
        assert log_group["retentionInDays"] == 365
    for secret in mocks.inputs_of("aws:secretsmanager/secret:Secret"):
        assert secret["kmsKeyId"] == KEY


def test_prod_data_tier_is_highly_available_and_protected(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod"))
    (instance,) = mocks.of_type("aws:rds/instance:Instance")
    assert (instance.inputs["multiAz"], instance.inputs["deletionProtection"], instance.options["protect"]) == (
        True, True, True
    )  # fmt: skip
    (group,) = mocks.inputs_of("aws:elasticache/replicationGroup:ReplicationGroup")
    assert (group["numCacheClusters"], group["automaticFailoverEnabled"], group["multiAzEnabled"]) == (
        2,
        True,
        True,
    )


def test_no_generated_secret_appears_in_any_input(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod"))
    generated = {"x" * 32, "x" * 64}  # what the mocks generate for the three passwords
    resource: RecordedResource
    for resource in mocks:
        for value in walk(resource.inputs):
            if isinstance(value, str):
                assert value not in generated, f"{resource.type} {resource.name} carries a secret in clear"


def test_every_alarm_notifies_the_topic(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod", alarmEmail="oncall@example.com"))
    (topic,) = mocks.of_type("aws:sns/topic:Topic")
    topic_arn = f"arn:aws:sns:us-east-1:123456789012:{topic.name}"
    alarms = mocks.inputs_of("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert (
        len(alarms) == 4 + 4 + 3 + 3 * 2 + 2
    )  # ECS, ALB, RDS, cache per node (prod: 2 nodes), errors, certificate
    for alarm in alarms:
        assert (alarm["alarmActions"], alarm["okActions"], alarm["actionsEnabled"]) == (
            [topic_arn],
            [topic_arn],
            True,
        )
    (connections,) = [a for a in alarms if a["metricName"] == "DatabaseConnections"]
    assert connections["threshold"] == make_settings("prod").connection_budget.limit
    assert mocks.inputs_of("aws:sns/topicSubscription:TopicSubscription") == [
        {"topic": topic_arn, "protocol": "email", "endpoint": "oncall@example.com"}
    ]


def test_web_service_waits_for_the_https_listener(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod"))
    (web,) = [r for r in mocks.of_type("aws:ecs/service:Service") if r.name == "superset-app-web"]
    assert (
        "aws:lb/listener:Listener::superset-alb-https" in web.options["propertyDependencies"]["loadBalancers"]
    )


def test_no_security_group_has_inline_rules(build: Build) -> None:
    mocks = build_stack(build, make_settings("prod"))
    for group in mocks.inputs_of("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in group and "egress" not in group


def test_without_nat_tasks_keep_only_private_paths(build: Build) -> None:
    mocks = build_stack(build, make_settings("dev"))
    egress = {(r["fromPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId") or r.get("prefixListId"))
              for r in mocks.inputs_of("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if r["securityGroupId"] == "superset-sg-app-id"}  # fmt: skip
    assert egress == {(5432, "superset-sg-database-id"), (6379, "superset-sg-cache-id"),
                      (443, "pl-superset-network-s3"), (443, "superset-sg-endpoints-id")}  # fmt: skip


def test_dev_endpoints_sit_in_the_first_zone_only(build: Build) -> None:
    mocks = build_stack(build, make_settings("dev"))
    interface = [
        r for r in mocks.inputs_of("aws:ec2/vpcEndpoint:VpcEndpoint") if r["vpcEndpointType"] == "Interface"
    ]
    assert sorted(r["serviceName"] for r in interface) == [
        f"com.amazonaws.us-east-1.{service}" for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
    ]
    assert all(r["subnetIds"] == ["superset-network-private-us-east-1a-id"] for r in interface)


@pytest.mark.parametrize(
    ("hours", "schedule", "timezone"),
    [("MON-FRI 07:00-19:00", "cron(0 7 ? * MON-FRI *)", "Europe/Berlin"), ("", "cron(0 2 * * ? *)", "UTC")],
)
def test_office_hours_move_the_daily_backup_into_the_day(
    build: Build, hours: str, schedule: str, timezone: str
) -> None:
    """A stopped database cannot be backed up: the backup runs as the services start."""
    settings = make_settings("dev", officeHours=hours, officeHoursTimezone="Europe/Berlin")
    (plan,) = build_stack(build, settings).inputs_of("aws:backup/plan:Plan")
    (rule,) = plan["rules"]
    assert (rule["schedule"], rule["scheduleExpressionTimezone"]) == (schedule, timezone)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_load_balancer_deletion_protection_follows_the_setting(build: Build, environment: str) -> None:
    settings = make_settings(environment)
    (alb,) = build_stack(build, settings).inputs_of("aws:lb/loadBalancer:LoadBalancer")
    assert alb["enableDeletionProtection"] is settings.alb_deletion_protection
    assert settings.alb_deletion_protection is (environment == "prod")


def test_web_scales_out_below_the_alarm_thresholds(build: Build) -> None:
    mocks = build_stack(build, make_settings("dev", alarmCpuPercent=90, alarmMemoryPercent=85))
    targets = {r.name: r.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"]
               for r in mocks.of_type("aws:appautoscaling/policy:Policy")}  # fmt: skip
    assert (targets["superset-app-web-cpu"], targets["superset-app-web-memory"]) == (70, 75)
    alarms = {r["metricName"]: r["threshold"] for r in mocks.inputs_of("aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.get("namespace") == "AWS/ECS"}  # fmt: skip
    assert (alarms["CPUUtilization"], alarms["MemoryUtilization"]) == (90, 85)
