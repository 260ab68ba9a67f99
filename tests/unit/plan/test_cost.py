"""Cost arithmetic on small fixtures, from the price table (no typed-in totals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from superset_stack.plan.cost import (
    CACHE_RESERVED,
    LOG_GB_PER_MONTH,
    NAT_GB_PER_MONTH,
    PRICERS,
    RDS_RESERVED,
    S3_GB_PER_BUCKET,
    SAVINGS_PLAN,
    Commitment,
    CostLine,
    estimate,
)
from superset_stack.plan.prices import HOURS_PER_MONTH, REGIONS, US_EAST_1, US_EAST_1_COMMITMENTS, Price


@dataclass(frozen=True)
class R:
    type: str
    name: str
    inputs: dict[str, Any]


def usd(key: str) -> float:
    return US_EAST_1[key].usd


def test_fargate_from_desired_count_to_the_autoscaling_ceiling() -> None:
    report = estimate([
        R("aws:ecs/taskDefinition:TaskDefinition", "td", {"family": "s-web", "cpu": "512", "memory": "1024",
                                                          "runtimePlatform": {"cpuArchitecture": "ARM64"}}),
        R("aws:ecs/service:Service", "web", {"taskDefinition": "arn:aws:ecs:r:1:task-definition/s-web:3", "desiredCount": 2}),
        R("aws:appautoscaling/target:Target", "t", {"resourceId": "service/cluster/web", "maxCapacity": 5}),
    ], "us-east-1")  # fmt: skip
    per_task = (0.5 * usd("fargate.arm.vcpu") + 1 * usd("fargate.arm.gb")) * HOURS_PER_MONTH
    (line,) = report.lines
    assert (line.monthly_min, line.monthly_max) == (round(per_task * 2, 4), round(per_task * 5, 4))
    assert line.item == "Fargate ARM 0.5 vCPU / 1 GB x 2-5 tasks"


def test_multi_az_doubles_instance_and_storage() -> None:
    single = estimate([R("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.small", "allocatedStorage": 50})],
                      "us-east-1")  # fmt: skip
    multi = estimate([R("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.small", "allocatedStorage": 50,
                                                           "multiAz": True})], "us-east-1")  # fmt: skip
    assert single.monthly_min == round(usd("rds.db.t4g.small") * HOURS_PER_MONTH + usd("rds.gp3") * 50, 2)
    assert multi.monthly_min == round(2 * single.monthly_min, 2)


def test_multi_az_at_its_listed_rate_where_the_region_has_one() -> None:
    instance, storage = estimate([R("aws:rds/instance:Instance", "db", {
        "instanceClass": "db.m7g.large", "allocatedStorage": 100, "multiAz": True})], "us-east-1").lines  # fmt: skip
    listed = US_EAST_1["rds.multi-az.db.m7g.large"]
    # AWS lists the pair at a rate of its own, not twice Single-AZ (0.337 against 2 x 0.168)
    assert listed.usd != 2 * usd("rds.db.m7g.large")
    assert (instance.monthly_min, instance.estimate) == (round(listed.usd * HOURS_PER_MONTH, 4), False)
    assert storage.monthly_min == round(usd("rds.gp3") * 100 * 2, 4)


def test_valkey_costs_less_than_redis_on_the_same_nodes() -> None:
    def cache(engine: str) -> float:
        return estimate([R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
                           {"engine": engine, "nodeType": "cache.t4g.small", "numCacheClusters": 2})], "us-east-1").monthly_min  # fmt: skip

    assert cache("redis") == round(usd("elasticache.redis.cache.t4g.small") * 2 * HOURS_PER_MONTH, 2)
    assert cache("valkey") == round(cache("redis") * usd("elasticache.valkey.factor"), 2)


def test_valkey_at_its_own_listed_rate_where_the_region_has_one() -> None:
    (line,) = estimate([R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
                          {"engine": "valkey", "nodeType": "cache.m7g.large", "numCacheClusters": 2})], "us-east-1").lines  # fmt: skip
    listed = US_EAST_1["elasticache.valkey.cache.m7g.large"]
    assert line.monthly_min == round(listed.usd * 2 * HOURS_PER_MONTH, 4)
    # sourced, so the line is not an estimate, though the Redis OSS rate of that node is one
    assert not line.estimate and US_EAST_1["elasticache.redis.cache.m7g.large"].estimate
    (redis,) = estimate([R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
                           {"engine": "redis", "nodeType": "cache.m7g.large", "numCacheClusters": 2})], "us-east-1").lines  # fmt: skip
    assert redis.estimate and redis.monthly_min == round(
        usd("elasticache.redis.cache.m7g.large") * 2 * HOURS_PER_MONTH, 4
    )


def test_alb_pays_for_one_public_address_per_zone() -> None:
    report = estimate(
        [R("aws:lb/loadBalancer:LoadBalancer", "alb", {"subnets": ["a", "b", "c"]})], "us-east-1"
    )
    ipv4 = next(line for line in report.lines if line.item.startswith("public IPv4"))
    assert ipv4.monthly_min == round(3 * usd("ipv4.hour") * HOURS_PER_MONTH, 4)
    assert any(line.estimate for line in report.lines)  # the capacity units are an assumption


def test_contract_shape() -> None:
    report = estimate(
        [R("aws:kms/key:Key", "k", {}), R("aws:secretsmanager/secret:Secret", "s", {})], "us-east-1"
    )
    assert report.as_contract() == {
        "currency": "USD", "monthly_min": round(usd("kms.key") + usd("secret"), 2),
        "monthly_max": round(usd("kms.key") + usd("secret"), 2),
        "lines": [{"resource": "k", "item": "KMS customer-managed key", "monthly": usd("kms.key")},
                  {"resource": "s", "item": "Secrets Manager secret", "monthly": usd("secret")}],
    }  # fmt: skip


def test_a_price_the_region_lacks_leaves_its_line_unpriced_and_says_why() -> None:
    report = estimate([
        R("aws:rds/instance:Instance", "db", {"instanceClass": "db.x9.huge", "allocatedStorage": 20}),
        R("aws:kms/key:Key", "k", {}),
    ], "us-east-1")  # fmt: skip
    instance, storage, key = report.lines
    assert instance == CostLine("db", "RDS db.x9.huge", 0.0, 0.0, estimate=False,
                                unpriced="no published us-east-1 price for rds.db.x9.huge (plan/prices.py)")  # fmt: skip
    assert (storage.unpriced, key.unpriced) == ("", "")
    assert report.unpriced == (instance,)
    assert report.monthly_min == round(usd("rds.gp3") * 20 + usd("kms.key"), 2)  # the priced lines
    assert report.as_contract()["lines"][0] == {
        "resource": "db", "item": "RDS db.x9.huge", "monthly": None,
        "unpriced": "no published us-east-1 price for rds.db.x9.huge (plan/prices.py)",
    }  # fmt: skip


def test_a_region_without_price_data_lists_every_line_unpriced() -> None:
    report = estimate(
        [R("aws:kms/key:Key", "k", {}), R("aws:ec2/natGateway:NatGateway", "nat", {})], "eu-north-1"
    )
    assert [(line.item, line.unpriced) for line in report.lines] == [
        ("NAT gateway hours", f"no price data for region eu-north-1 (priced: {', '.join(REGIONS)})"),
        ("NAT data (10 GB)", f"no price data for region eu-north-1 (priced: {', '.join(REGIONS)})"),
        ("KMS customer-managed key", f"no price data for region eu-north-1 (priced: {', '.join(REGIONS)})"),
    ]  # fmt: skip
    assert (report.monthly_min, report.monthly_max) == (0.0, 0.0)


def test_a_line_names_every_price_it_lacks() -> None:
    (line,) = estimate([
        R("aws:ecs/taskDefinition:TaskDefinition", "td", {"family": "s-web", "cpu": "1024", "memory": "2048",
                                                          "runtimePlatform": {"cpuArchitecture": "ARM64"}}),
        R("aws:ecs/service:Service", "web", {"taskDefinition": "arn:aws:ecs:r:1:task-definition/s-web:3"}),
    ], "eu-west-1").lines  # fmt: skip
    assert (
        line.unpriced == "no published eu-west-1 price for fargate.arm.vcpu, fargate.arm.gb (plan/prices.py)"
    )


def test_the_new_regions_hold_only_sourced_figures() -> None:
    from superset_stack.plan.prices import AP_SOUTHEAST_1, EU_CENTRAL_1, EU_WEST_1, US_WEST_2

    for region in (EU_WEST_1, EU_CENTRAL_1, US_WEST_2, AP_SOUTHEAST_1):
        assert set(region) < set(US_EAST_1)
        for key, price in region.items():
            assert price.source and "assumed" not in price.source.split(";")[0], key
    # Frankfurt and Singapore cost more than Virginia for the same Fargate task; Oregon the same
    assert EU_CENTRAL_1["fargate.x86.vcpu"].usd > US_EAST_1["fargate.x86.vcpu"].usd
    assert AP_SOUTHEAST_1["nat.hour"].usd > US_EAST_1["nat.hour"].usd
    assert US_WEST_2["alb.hour"].usd == US_EAST_1["alb.hour"].usd


def test_a_metric_math_alarm_pays_for_each_metric_it_reads() -> None:
    report = estimate([
        R("aws:cloudwatch/metricAlarm:MetricAlarm", "plain", {"metricName": "CPUUtilization"}),
        R("aws:cloudwatch/metricAlarm:MetricAlarm", "math", {"metricQueries": [
            {"id": "e", "expression": "d - m"}, {"id": "m", "metric": {}}, {"id": "d", "metric": {}}]}),
    ], "us-east-1")  # fmt: skip
    assert [(line.item, line.monthly_min) for line in report.lines] == [
        ("CloudWatch alarm", usd("alarm")), ("CloudWatch alarm (2 metrics)", 2 * usd("alarm"))
    ]  # fmt: skip


def test_both_regions_price_every_item() -> None:
    from superset_stack.plan.prices import AP_SOUTHEAST_2

    # listed Valkey and Multi-AZ rates are extras: without them, the factor of Redis OSS and x2
    listed_only = ("elasticache.valkey.cache.", "rds.multi-az.")
    assert set(AP_SOUTHEAST_2) == {k for k in US_EAST_1 if not k.startswith(listed_only)}
    # Sydney costs more for the hourly building blocks
    for key in ("fargate.x86.vcpu", "alb.hour", "nat.hour", "rds.db.t4g.micro"):
        assert AP_SOUTHEAST_2[key].usd > US_EAST_1[key].usd, key


def test_spot_and_office_hours_price_only_the_declared_share() -> None:
    # Monday to Friday, 08:00-18:00: 50 of the 168 hours of a week
    report = estimate([
        R("aws:ecs/taskDefinition:TaskDefinition", "td", {"family": "s-web", "cpu": "1024", "memory": "2048"}),
        R("aws:ecs/service:Service", "web", {"taskDefinition": "arn:aws:ecs:r:1:task-definition/s-web:3", "desiredCount": 1,
                                             "capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}),
        R("aws:appautoscaling/target:Target", "t", {"resourceId": "service/cluster/web", "maxCapacity": 3}),
        R("aws:appautoscaling/scheduledAction:ScheduledAction", "up", {
            "resourceId": "service/cluster/web", "schedule": "cron(0 8 ? * MON-FRI *)",
            "scalableTargetAction": {"minCapacity": 1, "maxCapacity": 3}}),
        R("aws:appautoscaling/scheduledAction:ScheduledAction", "down", {
            "resourceId": "service/cluster/web", "schedule": "cron(0 18 ? * MON-FRI *)",
            "scalableTargetAction": {"minCapacity": 0, "maxCapacity": 0}}),
    ], "us-east-1")  # fmt: skip
    per_task = (
        (usd("fargate.x86.vcpu") + 2 * usd("fargate.x86.gb")) * usd("fargate.spot.factor") * HOURS_PER_MONTH
    )
    (line,) = report.lines
    assert (line.monthly_min, line.monthly_max) == (
        round(per_task * 50 / 168, 4),
        round(per_task * 3 * 50 / 168, 4),
    )
    assert line.item == "Fargate X86 Spot 1 vCPU / 2 GB x 1-3 tasks, 50 h a week"
    assert line.estimate  # the Spot rate moves with supply and demand


def test_a_stopped_database_pays_storage_but_no_instance_hours() -> None:
    def schedule(action: str, expression: str) -> R:
        return R("aws:scheduler/schedule:Schedule", action, {"scheduleExpression": expression, "target": {
            "arn": f"arn:aws:scheduler:::aws-sdk:rds:{action}DBInstance", "input": '{"DbInstanceIdentifier": "meta"}'}})  # fmt: skip

    report = estimate([
        R("aws:rds/instance:Instance", "db", {"identifier": "meta", "instanceClass": "db.t4g.micro", "allocatedStorage": 20}),
        schedule("start", "cron(30 6 ? * MON,WED,FRI *)"), schedule("stop", "cron(15 19 ? * MON,WED,FRI *)"),
    ], "us-east-1")  # fmt: skip
    instance, storage = report.lines
    assert instance.item == "RDS db.t4g.micro, 38.25 h a week"
    assert instance.monthly_min == round(usd("rds.db.t4g.micro") * HOURS_PER_MONTH * 3 * 12.75 / 168, 4)
    assert storage.monthly_min == round(usd("rds.gp3") * 20, 4)


def test_a_schedule_for_another_database_changes_nothing() -> None:
    report = estimate([
        R("aws:rds/instance:Instance", "db", {"identifier": "meta", "instanceClass": "db.t4g.micro"}),
        R("aws:scheduler/schedule:Schedule", "s", {"scheduleExpression": "cron(0 8 ? * MON *)", "target": {
            "arn": "arn:aws:scheduler:::aws-sdk:rds:startDBInstance", "input": '{"DbInstanceIdentifier": "other"}'}}),
    ], "us-east-1")  # fmt: skip
    assert report.lines[0].monthly_min == round(usd("rds.db.t4g.micro") * HOURS_PER_MONTH, 4)


def test_a_nat_gateway_pays_hours_assumed_data_and_its_address() -> None:
    report = estimate(
        [R("aws:ec2/natGateway:NatGateway", "nat", {}), R("aws:ec2/eip:Eip", "ip", {})], "us-east-1"
    )
    assert [(line.resource, line.item, line.monthly_min, line.estimate) for line in report.lines] == [
        ("nat", "NAT gateway hours", round(usd("nat.hour") * HOURS_PER_MONTH, 4), False),
        ("nat", "NAT data (10 GB)", round(usd("nat.gb") * NAT_GB_PER_MONTH, 4), True),
        ("ip", "public IPv4 (NAT)", round(usd("ipv4.hour") * HOURS_PER_MONTH, 4), False),
    ]  # fmt: skip


def test_interface_endpoints_pay_per_zone_and_gateway_endpoints_nothing() -> None:
    report = estimate([
        R("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway"}),
        R("aws:ec2/vpcEndpoint:VpcEndpoint", "logs", {"vpcEndpointType": "Interface", "subnetIds": ["a"]}),
        R("aws:ec2/vpcEndpoint:VpcEndpoint", "ecr", {"vpcEndpointType": "Interface", "subnetIds": ["a", "b", "c"]}),
    ], "us-east-1")  # fmt: skip
    assert [(line.resource, line.item, line.monthly_min) for line in report.lines] == [
        ("logs", "Endpoint (interface) in 1 zone", round(usd("endpoint.hour") * HOURS_PER_MONTH, 4)),
        ("ecr", "Endpoint (interface) in 3 zones", round(3 * usd("endpoint.hour") * HOURS_PER_MONTH, 4)),
    ]  # fmt: skip


def test_waf_pays_for_the_acl_and_each_rule() -> None:
    (line,) = estimate([R("aws:wafv2/webAcl:WebAcl", "waf", {"rules": [{}, {}, {}]})], "us-east-1").lines
    assert (line.item, line.monthly_min) == ("WAF web ACL with 3 rules", usd("waf.acl") + 3 * usd("waf.rule"))


def test_log_ingestion_is_priced_once_per_stack_and_last() -> None:
    groups = [R("aws:cloudwatch/logGroup:LogGroup", f"g{i}", {}) for i in range(3)]
    report = estimate([*groups, R("aws:s3/bucket:Bucket", "b", {})], "us-east-1")
    assert [(line.resource, line.item, line.monthly_min) for line in report.lines] == [
        ("b", "S3 standard (10 GB)", round(usd("s3.gb") * S3_GB_PER_BUCKET, 4)),
        ("log groups", "CloudWatch Logs ingestion (5 GB)", round(usd("logs.gb") * LOG_GB_PER_MONTH, 4)),
    ]  # fmt: skip
    without_groups = estimate([R("aws:s3/bucket:Bucket", "b", {})], "us-east-1")
    assert [line.resource for line in without_groups.lines] == ["b"]


def test_lines_follow_the_pricer_table_and_unbilled_types_cost_nothing() -> None:
    report = estimate([
        R("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", {}), R("aws:ec2/vpc:Vpc", "vpc", {}),
        R("aws:secretsmanager/secret:Secret", "secret", {}), R("aws:kms/key:Key", "key", {}),
    ], "us-east-1")  # fmt: skip
    assert [line.resource for line in report.lines] == ["key", "secret", "alarm"]
    assert "aws:ec2/vpc:Vpc" not in PRICERS
    assert report.monthly_min == round(usd("kms.key") + usd("secret") + usd("alarm"), 2)


# The guide's promise for a pilot ("Total pilot cost: ~$90/month", seed guide line 647): dev stays within it.
GUIDE_PILOT_USD_PER_MONTH = 90


def test_the_dev_preset_keeps_the_guides_pilot_budget_in_us_east_1() -> None:
    from pathlib import Path

    from superset_stack.plan.offline import plan_stack_file

    plan = plan_stack_file(Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml")
    assert plan.settings.region == "us-east-1"
    assert plan.cost.monthly_min <= plan.cost.monthly_max <= GUIDE_PILOT_USD_PER_MONTH
    # and it gets there with the levers on, not by dropping what dev needs
    assert (plan.settings.fargate_spot, bool(plan.settings.schedule), plan.settings.vpc_endpoints) == (
        True,
        True,
        True,
    )
    assert len(plan.settings.availability_zones) == 2


# --- commitments beside on demand ------------------------------------------------------------------


def service(arch: str, *, spot: bool = False, desired: int = 2, hours: str | None = None) -> list[R]:
    """A web service of 1 vCPU / 2 GB tasks, up to 4; with `hours`, office hours 'start-stop' UTC."""
    inputs: dict[str, Any] = {
        "taskDefinition": "arn:aws:ecs:r:1:task-definition/s-web:3",
        "desiredCount": desired,
    }
    if spot:
        inputs["capacityProviderStrategies"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    resources = [
        R("aws:ecs/taskDefinition:TaskDefinition", "td", {"family": "s-web", "cpu": "1024", "memory": "2048",
                                                          "runtimePlatform": {"cpuArchitecture": arch}}),
        R("aws:ecs/service:Service", "web", inputs),
        R("aws:appautoscaling/target:Target", "t", {"resourceId": "service/cluster/web", "maxCapacity": 4}),
    ]  # fmt: skip
    if hours:
        start, stop = hours.split("-")
        resources += [
            R("aws:appautoscaling/scheduledAction:ScheduledAction", f"a-{when}",
              {"resourceId": "service/cluster/web", "schedule": f"cron(0 {hour} ? * MON-FRI *)",
               "scalableTargetAction": {"minCapacity": count, "maxCapacity": count}})
            for when, hour, count in (("start", start, desired), ("stop", stop, 0))
        ]  # fmt: skip
    return resources


def test_a_savings_plan_covers_x86_tasks_at_the_desired_count() -> None:
    (line,) = estimate(service("X86_64"), "us-east-1").lines
    every_hour = (1 * usd("fargate.x86.vcpu") + 2 * usd("fargate.x86.gb")) * HOURS_PER_MONTH * 2
    factor = US_EAST_1_COMMITMENTS["fargate.x86.savings_plan"]
    assert line.commitment == Commitment(
        SAVINGS_PLAN, round(every_hour * factor.usd, 4), factor.source, False
    )
    assert line.monthly_min == round(every_hour, 4)  # the on-demand figure and the totals stay as they were
    contract = estimate(service("X86_64"), "us-east-1").as_contract()["lines"][0]
    assert (contract["committed"], contract["commitment"]) == (
        round(every_hour * factor.usd, 2),
        SAVINGS_PLAN,
    )


def test_a_savings_plan_bills_the_night_a_stack_with_office_hours_sleeps() -> None:
    (line,) = estimate(service("X86_64", hours="7-19"), "us-east-1").lines
    assert line.commitment is not None and line.commitment.monthly is not None
    assert line.commitment.monthly > line.monthly_min  # 60 of 168 hours used, all 168 paid at 80%


def test_no_committed_figure_for_spot_or_without_a_sourced_rate() -> None:
    (spot,) = estimate(service("X86_64", spot=True), "us-east-1").lines
    (arm,) = estimate(service("ARM64"), "us-east-1").lines
    (sydney,) = estimate(service("X86_64"), "ap-southeast-2").lines
    assert spot.commitment == Commitment(SAVINGS_PLAN, None, "Savings Plans do not cover Fargate Spot")
    assert arm.commitment == Commitment(SAVINGS_PLAN, None, "no sourced 1 year, no upfront Savings Plans rate for "
                                        "Fargate ARM in us-east-1 (plan/prices.py)")  # fmt: skip
    assert sydney.commitment is not None and sydney.commitment.monthly is None
    assert "committed" not in estimate(service("ARM64"), "us-east-1").as_contract()["lines"][0]


def test_a_database_without_a_reserved_rate_is_bounded_by_the_published_ceiling() -> None:
    instance, _storage = estimate([R("aws:rds/instance:Instance", "db", {
        "instanceClass": "db.t4g.small", "allocatedStorage": 20, "multiAz": True})], "us-east-1").lines  # fmt: skip
    ceiling = US_EAST_1_COMMITMENTS["rds.reserved.ceiling"]
    assert instance.commitment == Commitment(
        RDS_RESERVED, None,
        "no sourced 1 year, no upfront reserved rate for db.t4g.small Multi-AZ in us-east-1 (plan/prices.py)",
        at_best=round(instance.monthly_min * ceiling.usd, 4),
    )  # fmt: skip


def test_the_sourced_reserved_rates_price_the_production_database_and_cache() -> None:
    # the prod preset's classes: us-east-1 has a sourced 1-year, no-upfront rate for each (plan/prices.py)
    instance, _storage, cache = estimate([
        R("aws:rds/instance:Instance", "db", {"instanceClass": "db.m7g.large", "allocatedStorage": 100, "multiAz": True}),
        R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
          {"engine": "valkey", "nodeType": "cache.m7g.large", "numCacheClusters": 2}),
    ], "us-east-1").lines  # fmt: skip
    database = US_EAST_1_COMMITMENTS["rds.reserved.db.m7g.large.multi-az"]
    nodes = US_EAST_1_COMMITMENTS["elasticache.reserved.valkey.cache.m7g.large"]
    assert instance.commitment == Commitment(
        RDS_RESERVED, round(database.usd * HOURS_PER_MONTH, 4), database.source
    )
    assert cache.commitment == Commitment(
        CACHE_RESERVED, round(nodes.usd * HOURS_PER_MONTH * 2, 4), nodes.source
    )
    # a reservation is cheaper than on demand, or it would not be offered
    assert instance.commitment.monthly is not None and instance.commitment.monthly < instance.monthly_min
    assert cache.commitment.monthly is not None and cache.commitment.monthly < cache.monthly_min


def test_a_reserved_rate_when_one_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    rate = Price(0.1, "instance-hour", "a test's rate")
    node = Price(0.01, "node-hour", "a test's rate")
    monkeypatch.setattr("superset_stack.plan.cost.commitments_for", lambda _region: {
        "rds.reserved.db.m7g.large.multi-az": rate, "elasticache.reserved.valkey.cache.t4g.small": node})  # fmt: skip
    instance, _storage, cache = estimate([
        R("aws:rds/instance:Instance", "db", {"instanceClass": "db.m7g.large", "allocatedStorage": 100, "multiAz": True}),
        R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
          {"engine": "valkey", "nodeType": "cache.t4g.small", "numCacheClusters": 2}),
    ], "us-east-1").lines  # fmt: skip
    assert instance.commitment == Commitment(RDS_RESERVED, round(0.1 * HOURS_PER_MONTH, 4), "a test's rate")
    assert cache.commitment == Commitment(
        CACHE_RESERVED, round(0.01 * HOURS_PER_MONTH * 2, 4), "a test's rate"
    )
