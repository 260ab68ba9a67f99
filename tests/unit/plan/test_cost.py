"""Cost arithmetic on small fixtures, from the price table (no typed-in totals)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from superset_stack.plan.cost import CostError, estimate
from superset_stack.plan.prices import HOURS_PER_MONTH, US_EAST_1


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


def test_valkey_costs_less_than_redis_on_the_same_nodes() -> None:
    def cache(engine: str) -> float:
        return estimate([R("aws:elasticache/replicationGroup:ReplicationGroup", "c",
                           {"engine": engine, "nodeType": "cache.t4g.small", "numCacheClusters": 2})], "us-east-1").monthly_min  # fmt: skip

    assert cache("redis") == round(usd("elasticache.redis.cache.t4g.small") * 2 * HOURS_PER_MONTH, 2)
    assert cache("valkey") == round(cache("redis") * usd("elasticache.valkey.factor"), 2)


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


def test_unknown_prices_are_named() -> None:
    with pytest.raises(
        CostError, match=re.escape("no us-east-1 price for 'rds.db.x9.huge'; add it to plan/prices.py")
    ):
        estimate([R("aws:rds/instance:Instance", "db", {"instanceClass": "db.x9.huge"})], "us-east-1")
    with pytest.raises(
        KeyError,
        match=re.escape("no price data for region 'eu-west-1' yet; known: us-east-1, ap-southeast-2"),
    ):
        estimate([], "eu-west-1")


def test_both_regions_price_every_item() -> None:
    from superset_stack.plan.prices import AP_SOUTHEAST_2

    assert set(AP_SOUTHEAST_2) == set(US_EAST_1)
    # Sydney costs more for the hourly building blocks
    for key in ("fargate.x86.vcpu", "alb.hour", "nat.hour", "rds.db.t4g.micro"):
        assert AP_SOUTHEAST_2[key].usd > US_EAST_1[key].usd, key
