"""SupersetStack: each preset builds end to end; counts, zone spread, tags and wiring; the args
builders map settings to component args."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from superset_stack.aws.backup import BACKUP_SCHEDULE
from superset_stack.aws.security_groups import EgressDestination
from superset_stack.aws.stack import (
    Account,
    SupersetStack,
    backup_args,
    certificate_args,
    database_args,
    endpoints_args,
    image_args,
    observability_args,
    security_groups_args,
    services_args,
    warehouse_args,
)
from superset_stack.ops.snapshots import superset_version
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
    # flow logs, the services' and the migration's task execution, task, AWS Backup (+ RDS monitoring
    # or the office-hours scheduler)
    assert counts["aws:iam/role:Role"] == 5 + extra_roles
    assert counts["aws:backup/selection:Selection"] == 1
    assert counts["aws:cloudwatch/dashboard:Dashboard"] == 1
    assert counts["aws:cloudwatch/queryDefinition:QueryDefinition"] == 7  # aws/log_queries.py QUERIES
    assert counts["aws:ecs/service:Service"] == 3
    assert counts["aws:ecs/taskDefinition:TaskDefinition"] == 4
    assert counts["aws:lb/listener:Listener"] == 2
    components = {r.type for r in mocks if r.type.startswith("superset:")}
    expected = {"superset:stack:SupersetStack", "superset:secrets:Secrets", "superset:network:Network",
                "superset:security_groups:SecurityGroups", "superset:storage:Storage",
                "superset:database:Database", "superset:cache:Cache", "superset:certificate:Certificate",
                "superset:load_balancer:LoadBalancer", "superset:image:Image", "superset:service:Services",
                "superset:observability:Observability", "superset:log_queries:LogQueries",
                "superset:backup:Backup"}  # fmt: skip
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
    # ECS and task counts, ALB, RDS, cache per node (prod: 2 nodes), errors, failed reports, certificate
    assert len(alarms) == 4 + 2 + 5 + 3 + 3 * 2 + 3
    for alarm in alarms:
        assert (alarm["alarmActions"], alarm["okActions"], alarm["actionsEnabled"]) == (
            [topic_arn],
            [topic_arn],
            True,
        )
    (connections,) = [a for a in alarms if a.get("metricName") == "DatabaseConnections"]
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
    # ... and the web tasks, which the worker's browser opens for report screenshots
    assert egress == {(5432, "superset-sg-database-id"), (6379, "superset-sg-cache-id"),
                      (443, "pl-superset-network-s3"), (443, "superset-sg-endpoints-id"),
                      (8088, "superset-sg-app-id")}  # fmt: skip


def test_dev_endpoints_sit_in_the_first_zone_only(build: Build) -> None:
    mocks = build_stack(build, make_settings("dev"))
    interface = [
        r for r in mocks.inputs_of("aws:ec2/vpcEndpoint:VpcEndpoint") if r["vpcEndpointType"] == "Interface"
    ]
    assert sorted(r["serviceName"] for r in interface) == [
        f"com.amazonaws.us-east-1.{service}" for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
    ]
    assert all(r["subnetIds"] == ["superset-network-private-us-east-1a-id"] for r in interface)


BOUNDARY = "arn:aws:iam::123456789012:policy/ci-role-boundary-0a1b2c3"
# every role the stack can create: staging monitors its database, office hours add the scheduler's
EVERY_ROLE = {
    "superset-app-execution", "superset-app-migration-execution", "superset-app-task", "superset-backup-role",
    "superset-db-monitoring", "superset-db-scheduler", "superset-network-flow-logs",
}  # fmt: skip


@pytest.mark.parametrize(("boundary", "expected"), [(BOUNDARY, BOUNDARY), ("", None)])
def test_every_role_carries_the_boundary_the_settings_give_and_none_without(
    build: Build, boundary: str, expected: str | None
) -> None:
    settings = make_settings("staging", roleBoundaryArn=boundary, officeHours="MON-FRI 07:00-19:00")
    roles = build_stack(build, settings).of_type("aws:iam/role:Role")
    assert {role.name for role in roles} == EVERY_ROLE
    assert {role.name: role.inputs.get("permissionsBoundary") for role in roles} == dict.fromkeys(
        EVERY_ROLE, expected
    )


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


# --- args builders: pure, given stand-ins for the components they draw on --------------------------

ACCOUNT = Account(id="123456789012", partition="aws-cn")
SUBNETS = ["private-a", "private-b", "private-c"]
NETWORK = SimpleNamespace(
    vpc_id="vpc-1", s3_prefix_list_id="pl-s3", private_subnet_ids=SUBNETS, public_subnet_ids=["public-a"]
)
GROUPS = SimpleNamespace(database_security_group_id="sg-db", app_security_group_id="sg-app")
DATABASE = SimpleNamespace(
    instance_arn="arn:db", instance_identifier="superset-metadata", address="db.internal", port=5432,
    database_name="superset", master_username="superset_admin", master_user_secret_arn="arn:master",
    resource_id="db-RESOURCEID",
)  # fmt: skip
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d"


@pytest.mark.parametrize(
    ("hours", "schedule", "timezone"),
    [("MON-FRI 07:00-19:00", "cron(0 7 ? * MON-FRI *)", "Europe/Berlin"), ("", BACKUP_SCHEDULE, "UTC")],
)
def test_backup_args_run_as_the_day_starts_with_office_hours_else_at_night_utc(
    hours: str, schedule: str, timezone: str
) -> None:
    settings = make_settings("dev", officeHours=hours, officeHoursTimezone="Europe/Berlin")
    ops = SimpleNamespace(topic_arn="arn:topic")
    args = backup_args(settings, ACCOUNT, KEY, database=DATABASE, observability=ops)
    assert (args.schedule, args.schedule_timezone) == (schedule, timezone)
    assert (args.database_arn, args.database_identifier, args.topic_arn) == (
        "arn:db", "superset-metadata", "arn:topic"
    )  # fmt: skip
    assert (args.kms_key_arn, args.account_id, args.partition) == (KEY, "123456789012", "aws-cn")
    assert (args.retention_days, args.tags) == (settings.backup_retention_days, settings.tags)
    # the scheduled stop and start do not page; on a stack that is always on, a stop is news
    assert args.quiet_event_ids == (("RDS-EVENT-0087", "RDS-EVENT-0088") if hours else ())


def test_certificate_args_validate_in_the_zone_without_an_imported_certificate() -> None:
    args = certificate_args(make_settings("staging"))
    assert (args.domain_name, args.hosted_zone_id, args.certificate_arn) == (
        "superset.example.com", "Z0123456789EXAMPLE", ""
    )  # fmt: skip


def test_certificate_args_with_an_imported_certificate_leave_the_hosted_zone_out() -> None:
    """The zone may still hold the load balancer's alias record; the certificate needs no validation."""
    args = certificate_args(make_settings("staging", certificateArn=CERT_ARN))
    assert (args.domain_name, args.hosted_zone_id, args.certificate_arn) == (
        "superset.example.com", "", CERT_ARN
    )  # fmt: skip


@pytest.mark.parametrize(("all_zones", "subnets"), [(True, SUBNETS), (False, ["private-a"])])
def test_endpoints_args_use_every_private_subnet_or_only_the_first_zone(
    all_zones: bool, subnets: list[str]
) -> None:
    waivers = [] if all_zones else ["vpcEndpointsAllZones until 2099-01-01: a pilot"]
    settings = make_settings("prod", vpcEndpointsAllZones=all_zones, waivers=waivers)
    args = endpoints_args(settings, network=NETWORK, security_group_id="sg-endpoints")
    assert (args.region, args.vpc_id, args.subnet_ids, args.security_group_id) == (
        "us-east-1", "vpc-1", subnets, "sg-endpoints"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("nat", "internet_egress"), [("none", False), ("single", True), ("one_per_az", True)]
)
def test_security_groups_args_let_tasks_out_to_the_internet_only_through_a_nat(
    nat: str, internet_egress: bool
) -> None:
    args = security_groups_args(make_settings("dev", natGateways=nat), network=NETWORK)
    assert (args.vpc_id, args.s3_prefix_list_id, args.internet_egress) == ("vpc-1", "pl-s3", internet_egress)


def test_security_groups_args_turn_egress_destinations_into_aws_terms() -> None:
    settings = make_settings("staging", egressDestinations=[
        {"description": "Redshift", "port": 5439, "cidr": "10.20.0.0/16"},
        {"description": "ClickHouse", "fromPort": 8443, "toPort": 9440, "prefixListId": "pl-0123abcd"},
        {"description": "LDAP", "port": 636, "securityGroupId": "sg-0123abcd"},
    ])  # fmt: skip
    assert security_groups_args(settings, network=NETWORK).egress_destinations == (
        EgressDestination(description="Redshift", from_port=5439, to_port=5439, cidr_ipv4="10.20.0.0/16"),
        EgressDestination(
            description="ClickHouse", from_port=8443, to_port=9440, prefix_list_id="pl-0123abcd"
        ),
        EgressDestination(
            description="LDAP", from_port=636, to_port=636, referenced_security_group_id="sg-0123abcd"
        ),
    )


def test_warehouse_connections_add_one_rule_per_target_and_port_after_the_destinations() -> None:
    from tests.unit.test_warehouses import EVERY_ENGINE

    settings = make_settings("staging", warehouseConnections=EVERY_ENGINE[:4],
                             egressDestinations=[{"description": "LDAP", "port": 636, "cidr": "10.9.0.0/16"}])  # fmt: skip
    assert security_groups_args(settings, network=NETWORK).egress_destinations == (
        EgressDestination(description="LDAP", from_port=636, to_port=636, cidr_ipv4="10.9.0.0/16"),
        EgressDestination(description="Warehouse Orders (postgresql)", from_port=5432, to_port=5432,
                          referenced_security_group_id="sg-0123456789abcdef0"),
        EgressDestination(description="Warehouse Sales (redshift)", from_port=5439, to_port=5439,
                          cidr_ipv4="10.20.0.0/16"),
        EgressDestination(description="Warehouse Shop (mysql)", from_port=3306, to_port=3306,
                          cidr_ipv4="10.30.0.0/16"),
        EgressDestination(description="Warehouse Events (clickhouse)", from_port=8443, to_port=8443,
                          prefix_list_id="pl-0123456789abcdef0"),
    )  # fmt: skip


def test_the_image_bakes_the_drivers_the_connections_need() -> None:
    from tests.unit.test_warehouses import EVERY_ENGINE

    chosen = image_args(make_settings("dev", warehouseDrivers=["clickhouse"]), KEY).warehouse_drivers
    declared = image_args(
        make_settings("staging", warehouseDrivers=[], warehouseConnections=EVERY_ENGINE[1:3]), KEY
    )
    assert (chosen, declared.warehouse_drivers) == (("clickhouse",), ("mysql", "redshift"))


def test_warehouse_args_reach_the_services_only_when_something_is_declared() -> None:
    from tests.unit.test_warehouses import EVERY_ENGINE

    assert warehouse_args(make_settings("staging")) == {}
    found = warehouse_args(make_settings("staging", warehouseConnections=EVERY_ENGINE[1:2]))
    assert (
        json.loads(found["warehouse_connections"])["connections"][0]["credential"] == "WAREHOUSE_CREDENTIAL_0"
    )
    assert (found["warehouse_credentials"], found["warehouse_secret_arns"], found["athena_access"]) == (
        {"WAREHOUSE_CREDENTIAL_0": EVERY_ENGINE[1]["passwordSecretArn"]}, (EVERY_ENGINE[1]["passwordSecretArn"],), ()
    )  # fmt: skip
    removal_only = warehouse_args(make_settings("staging", removedWarehouseConnections=["Old"]))
    assert json.loads(removal_only["warehouse_connections"]) == {"connections": [], "remove": ["Old"]}


def test_database_args_name_the_instance_after_the_stack_and_stop_it_outside_office_hours() -> None:
    settings = make_settings("dev", officeHoursTimezone="Europe/Berlin")
    args = database_args(settings, ACCOUNT, KEY, network=NETWORK, security_groups=GROUPS)
    assert (args.identifier, args.subnet_ids, args.security_group_id, args.kms_key_arn) == (
        "superset-dev-metadata", SUBNETS, "sg-db", KEY
    )  # fmt: skip
    assert (args.office_hours, args.office_hours_timezone) == (settings.schedule, "Europe/Berlin")
    assert args.office_hours is not None
    assert (args.account_id, args.partition) == ("123456789012", "aws-cn")
    assert (args.instance_class, args.multi_az, args.deletion_protection) == (
        settings.db_instance_class, settings.db_multi_az, settings.db_deletion_protection
    )  # fmt: skip


SERVICE_PARTS: dict[str, Any] = {
    "network": NETWORK,
    "security_groups": GROUPS,
    "secrets": SimpleNamespace(secret_key_arn="arn:key", admin_password_arn="arn:admin",
                               redis_auth_token_arn="arn:redis"),
    "storage": SimpleNamespace(bucket_name="results", bucket_arn="arn:bucket", results_prefix="results/"),
    "database": DATABASE,
    "cache": SimpleNamespace(primary_endpoint_address="cache.internal", port=6379),
    "load_balancer": SimpleNamespace(url="https://superset.example.com", target_group_arn="arn:tg",
                                     load_balancer_arn_suffix="app/lb", target_group_arn_suffix="tg/web"),
    "image": SimpleNamespace(image_ref="repo@sha256:1", worker_image_ref="repo@sha256:2", repository_arn="arn:repo"),
}  # fmt: skip


def test_services_args_pass_no_previous_secret_key_unless_one_is_set() -> None:
    parts = SERVICE_PARTS
    rotating = "arn:aws:secretsmanager:us-east-1:123456789012:secret:old-key-AbCdEf"
    plain = services_args(make_settings("prod"), ACCOUNT, KEY, **parts)
    rotation = services_args(
        make_settings("prod", previousSecretKeySecretArn=rotating), ACCOUNT, KEY, **parts
    )
    assert (plain.previous_secret_key_arn, rotation.previous_secret_key_arn) == (None, rotating)
    assert (plain.family_prefix, plain.log_group_prefix) == ("superset-prod", "/superset/prod")
    assert (plain.database_master_secret_arn, plain.database_master_user, plain.secret_key_arn) == (
        "arn:master", "superset_admin", "arn:key"
    )  # fmt: skip
    # IAM names the app's database user by the instance's resource id, in the stack's partition
    assert (plain.database_resource_id, plain.partition, plain.database_app_user) == (
        "db-RESOURCEID", "aws-cn", "superset_app"
    )  # fmt: skip
    # the app role may hold what the instance class leaves the application, never the master's slots
    budget = make_settings("prod").connection_budget
    assert plain.database_app_connection_limit == budget.usable - 5 >= budget.peak_total - 5
    assert (plain.web_deployment_maximum_percent, plain.web_deployment_minimum_healthy_percent) == (200, 100)
    in_place = services_args(
        make_settings("prod", webDeploymentMaximumPercent=100, workerDeploymentMaximumPercent=100), ACCOUNT, KEY,
        **parts,
    )  # fmt: skip
    assert (
        in_place.web_deployment_maximum_percent, in_place.web_deployment_minimum_healthy_percent,
        in_place.worker_deployment_maximum_percent, in_place.worker_deployment_minimum_healthy_percent,
    ) == (100, 50, 100, 50)  # fmt: skip


@pytest.mark.parametrize(("environment", "snapshots"), [("dev", False), ("staging", True), ("prod", True)])
def test_services_args_snapshot_before_a_superset_upgrade_as_the_preset_says(
    environment: str, snapshots: bool
) -> None:
    built = services_args(make_settings(environment), ACCOUNT, KEY, **SERVICE_PARTS)
    assert (built.superset_version, built.pre_deploy_snapshot, built.pre_deploy_snapshots_to_keep) == (
        superset_version(), snapshots, 3,
    )  # fmt: skip
    assert re.fullmatch(r"\d+\.\d+\.\d+", built.superset_version)  # the runtime lock's pin
    outside = "registry.example.com/superset@sha256:" + "a" * 64
    assert services_args(make_settings(environment, imageUri=outside, preDeploySnapshotsToKeep=7), ACCOUNT, KEY,
                         **SERVICE_PARTS).superset_version == outside  # fmt: skip


def test_observability_args_alarm_at_the_connection_budget_and_search_every_log() -> None:
    settings = make_settings("prod", alarmEmail="oncall@example.com")
    services = SimpleNamespace(
        cluster_name="cluster", web_service_name="web", worker_service_name="worker", beat_service_name="beat",
        log_group_names={"web": "/superset/prod/web", "worker": "/superset/prod/worker", "beat": "/superset/prod/beat",
                         "migration": "/superset/prod/migration"},
    )  # fmt: skip
    args = observability_args(
        settings, ACCOUNT, KEY,
        database=DATABASE, cache=SimpleNamespace(node_ids=["n1", "n2"]),
        certificate=SimpleNamespace(certificate_arn=CERT_ARN),
        load_balancer=SimpleNamespace(load_balancer_arn_suffix="app/lb", target_group_arn_suffix="tg/web"),
        services=services,
    )  # fmt: skip
    assert args.database_connections_alarm == settings.connection_budget.limit == 680
    assert args.log_group_names == ["/superset/prod/web", "/superset/prod/worker", "/superset/prod/beat"]
    assert (args.web_service_name, args.worker_service_name, args.beat_service_name) == (
        "web",
        "worker",
        "beat",
    )
    assert (args.dashboard_name, args.metric_namespace, args.alarm_email) == (
        "superset-prod", "Superset/prod", "oncall@example.com"
    )  # fmt: skip
    assert (args.database_identifier, args.cache_node_ids, args.certificate_arn) == (
        "superset-metadata", ["n1", "n2"], CERT_ARN
    )  # fmt: skip
