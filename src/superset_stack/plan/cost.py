"""Monthly cost of a recorded plan: minimum (desired counts) and maximum (autoscaling ceilings).

Walks the resources the program declares and prices what AWS bills by the hour or month. Usage
that the plan cannot know (log volume, S3 bytes, NAT traffic, ALB capacity units) uses small stated
assumptions and is marked as an estimate, like any price marked so in prices.py. The one-off
migration task (minutes per deploy) is not counted.

Levers are read from the resources, not from settings: a service on the FARGATE_SPOT capacity
provider pays the Spot factor; a service with office-hours scheduled actions, and a database with
scheduler start/stop schedules, pay only for the hours a week their schedules keep them running.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from superset_stack.office_hours import HOURS_PER_WEEK, running_hours_per_week
from superset_stack.plan.prices import HOURS_PER_MONTH, Price, prices_for

LCU_AVERAGE = 0.25
NAT_GB_PER_MONTH = 10
LOG_GB_PER_MONTH = 5
S3_GB_PER_BUCKET = 10


@dataclass(frozen=True)
class CostLine:
    resource: str
    item: str
    monthly_min: float
    monthly_max: float
    estimate: bool


@dataclass(frozen=True)
class CostReport:
    region: str
    lines: tuple[CostLine, ...]

    @property
    def monthly_min(self) -> float:
        return round(sum(line.monthly_min for line in self.lines), 2)

    @property
    def monthly_max(self) -> float:
        return round(sum(line.monthly_max for line in self.lines), 2)

    def as_contract(self) -> dict[str, Any]:
        """The `cost` object of the plan JSON contract (ARCHITECTURE.md)."""
        return {
            "currency": "USD",
            "monthly_min": self.monthly_min,
            "monthly_max": self.monthly_max,
            "lines": [
                {"resource": line.resource, "item": line.item, "monthly": round(line.monthly_min, 2)}
                for line in self.lines
            ],
        }


class CostError(KeyError):
    pass


def _service_hours(by_type: dict[str, list[Any]]) -> dict[str, float]:
    """Hours a week each scheduled ECS service runs, keyed by service name."""
    windows: dict[str, dict[str, str]] = {}
    for action in by_type.get("aws:appautoscaling/scheduledAction:ScheduledAction", []):
        service = str(action.inputs.get("resourceId", "")).rsplit("/", 1)[-1]
        stops = int((action.inputs.get("scalableTargetAction") or {}).get("maxCapacity", 0)) == 0
        windows.setdefault(service, {})["stop" if stops else "start"] = str(action.inputs["schedule"])
    return {
        service: running_hours_per_week(window["start"], window["stop"])
        for service, window in windows.items()
        if {"start", "stop"} <= window.keys()
    }


def _database_hours(by_type: dict[str, list[Any]]) -> dict[str, float]:
    """Hours a week each scheduled RDS instance runs, keyed by instance identifier."""
    windows: dict[str, dict[str, str]] = {}
    for schedule in by_type.get("aws:scheduler/schedule:Schedule", []):
        target = schedule.inputs.get("target") or {}
        action = str(target.get("arn", "")).rsplit(":", 1)[-1]
        if action not in ("startDBInstance", "stopDBInstance"):
            continue
        identifier = json.loads(target.get("input") or "{}").get("DbInstanceIdentifier", "")
        windows.setdefault(identifier, {})[action[: -len("DBInstance")]] = str(
            schedule.inputs["scheduleExpression"]
        )
    return {
        identifier: running_hours_per_week(window["start"], window["stop"])
        for identifier, window in windows.items()
        if {"start", "stop"} <= window.keys()
    }


def _running(hours_per_week: float | None) -> tuple[float, str]:
    """Share of the month a resource runs, and the words for the cost line."""
    if hours_per_week is None:
        return 1.0, ""
    return hours_per_week / HOURS_PER_WEEK, f", {hours_per_week:g} h a week"


def estimate(resources: Sequence[Any], region: str) -> CostReport:
    """Price every billable resource; `resources` have .type, .name and .inputs (camelCase)."""
    prices = prices_for(region)

    def price(key: str) -> Price:
        if key not in prices:
            raise CostError(f"no {region} price for {key!r}; add it to plan/prices.py")
        return prices[key]

    lines: list[CostLine] = []

    def add(
        resource: str, item: str, prices_used: Sequence[Price], low: float, high: float | None = None
    ) -> None:
        lines.append(
            CostLine(
                resource,
                item,
                round(low, 4),
                round(high if high is not None else low, 4),
                any(p.estimate for p in prices_used),
            )
        )

    by_type: dict[str, list[Any]] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource)

    # Fargate services: desired count, up to the autoscaling ceiling
    families = {
        r.inputs.get("family"): r.inputs for r in by_type.get("aws:ecs/taskDefinition:TaskDefinition", [])
    }
    ceilings = {
        str(r.inputs.get("resourceId", "")).rsplit("/", 1)[-1]: int(r.inputs.get("maxCapacity", 0))
        for r in by_type.get("aws:appautoscaling/target:Target", [])
    }
    service_hours = _service_hours(by_type)
    for service in by_type.get("aws:ecs/service:Service", []):
        family = str(service.inputs.get("taskDefinition", "")).rsplit("/", 1)[-1].split(":")[0]
        task = families.get(family)
        if task is None:
            continue
        arch = "arm" if (task.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64" else "x86"
        vcpu, gb = int(task["cpu"]) / 1024, int(task["memory"]) / 1024
        used = [price(f"fargate.{arch}.vcpu")]
        providers = {
            s.get("capacityProvider") for s in service.inputs.get("capacityProviderStrategies") or []
        }
        spot = providers == {"FARGATE_SPOT"}
        if spot:
            used.append(price("fargate.spot.factor"))
        share, hours = _running(service_hours.get(service.name))
        per_task = (
            (vcpu * price(f"fargate.{arch}.vcpu").usd + gb * price(f"fargate.{arch}.gb").usd)
            * (price("fargate.spot.factor").usd if spot else 1.0)
            * HOURS_PER_MONTH
            * share
        )
        low = int(service.inputs.get("desiredCount", 1))
        high = max(low, ceilings.get(service.name, low))
        add(
            service.name,
            f"Fargate {arch.upper()}{' Spot' if spot else ''} {vcpu:g} vCPU / {gb:g} GB "
            f"x {low}-{high} tasks{hours}",
            used,
            per_task * low,
            per_task * high,
        )

    database_hours = _database_hours(by_type)
    for database in by_type.get("aws:rds/instance:Instance", []):
        copies = 2 if database.inputs.get("multiAz") else 1
        klass = price(f"rds.{database.inputs['instanceClass']}")
        storage = price("rds.gp3")
        gib = int(database.inputs.get("allocatedStorage", 20))
        # a stopped instance pays storage but no instance hours
        share, hours = _running(database_hours.get(str(database.inputs.get("identifier"))))
        add(
            database.name,
            f"RDS {database.inputs['instanceClass']}{' Multi-AZ' if copies == 2 else ''}{hours}",
            [klass],
            klass.usd * HOURS_PER_MONTH * copies * share,
        )
        add(
            database.name,
            f"RDS gp3 {gib} GiB{' x2 (Multi-AZ)' if copies == 2 else ''}",
            [storage],
            storage.usd * gib * copies,
        )
        if database.inputs.get("manageMasterUserPassword"):
            add(database.name, "RDS-managed master secret", [price("secret")], price("secret").usd)

    for group in by_type.get("aws:elasticache/replicationGroup:ReplicationGroup", []):
        node = price(f"elasticache.redis.{group.inputs['nodeType']}")
        factor = price("elasticache.valkey.factor").usd if group.inputs.get("engine") == "valkey" else 1.0
        nodes = int(group.inputs.get("numCacheClusters", 1))
        add(
            group.name,
            f"ElastiCache {group.inputs.get('engine')} {group.inputs['nodeType']} x {nodes}",
            [node],
            node.usd * factor * nodes * HOURS_PER_MONTH,
        )

    for balancer in by_type.get("aws:lb/loadBalancer:LoadBalancer", []):
        hour, lcu, ipv4 = price("alb.hour"), price("alb.lcu"), price("ipv4.hour")
        add(balancer.name, "ALB hours", [hour], hour.usd * HOURS_PER_MONTH)
        add(
            balancer.name,
            f"ALB capacity units ({LCU_AVERAGE} average)",
            [lcu],
            lcu.usd * LCU_AVERAGE * HOURS_PER_MONTH,
        )
        addresses = len(balancer.inputs.get("subnets") or [])
        add(balancer.name, f"public IPv4 x {addresses}", [ipv4], ipv4.usd * addresses * HOURS_PER_MONTH)

    for nat in by_type.get("aws:ec2/natGateway:NatGateway", []):
        hour, data = price("nat.hour"), price("nat.gb")
        add(nat.name, "NAT gateway hours", [hour], hour.usd * HOURS_PER_MONTH)
        add(nat.name, f"NAT data ({NAT_GB_PER_MONTH} GB)", [data], data.usd * NAT_GB_PER_MONTH)
    for address in by_type.get("aws:ec2/eip:Eip", []):
        add(address.name, "public IPv4 (NAT)", [price("ipv4.hour")], price("ipv4.hour").usd * HOURS_PER_MONTH)
    for endpoint in by_type.get("aws:ec2/vpcEndpoint:VpcEndpoint", []):
        if endpoint.inputs.get("vpcEndpointType") == "Interface":
            zones = len(endpoint.inputs.get("subnetIds") or [])
            add(
                endpoint.name,
                f"Endpoint (interface) in {zones} zone{'' if zones == 1 else 's'}",
                [price("endpoint.hour")],
                price("endpoint.hour").usd * zones * HOURS_PER_MONTH,
            )

    counted = {
        "aws:kms/key:Key": ("KMS customer-managed key", "kms.key"),
        "aws:secretsmanager/secret:Secret": ("Secrets Manager secret", "secret"),
        "aws:cloudwatch/metricAlarm:MetricAlarm": ("CloudWatch alarm", "alarm"),
    }
    for resource_type, (item, key) in counted.items():
        for resource in by_type.get(resource_type, []):
            add(resource.name, item, [price(key)], price(key).usd)
    for bucket in by_type.get("aws:s3/bucket:Bucket", []):
        add(
            bucket.name,
            f"S3 standard ({S3_GB_PER_BUCKET} GB)",
            [price("s3.gb")],
            price("s3.gb").usd * S3_GB_PER_BUCKET,
        )
    for acl in by_type.get("aws:wafv2/webAcl:WebAcl", []):
        rules = len(acl.inputs.get("rules") or [])
        add(
            acl.name,
            f"WAF web ACL with {rules} rules",
            [price("waf.acl")],
            price("waf.acl").usd + rules * price("waf.rule").usd,
        )
    if by_type.get("aws:cloudwatch/logGroup:LogGroup"):
        add(
            "log groups",
            f"CloudWatch Logs ingestion ({LOG_GB_PER_MONTH} GB)",
            [price("logs.gb")],
            price("logs.gb").usd * LOG_GB_PER_MONTH,
        )
    return CostReport(region, tuple(lines))
