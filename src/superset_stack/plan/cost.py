"""Monthly cost of a recorded plan: minimum (desired counts) and maximum (autoscaling ceilings).

Walks the resources the program declares and prices what AWS bills by the hour or month. Usage
that the plan cannot know (log volume, S3 bytes, NAT traffic, ALB capacity units) uses small stated
assumptions and is marked as an estimate, like any price marked so in prices.py. The one-off
migration task (minutes per deploy) is not counted.

Levers are read from the resources, not from settings: a service on the FARGATE_SPOT capacity
provider pays the Spot factor; a service with office-hours scheduled actions, and a database with
scheduler start/stop schedules, pay only for the hours a week their schedules keep them running.

One pricer per billable resource type (PRICERS, walked in order by `estimate`): a short function
that turns one resource into its cost lines, reading unit prices and the rest of the plan through
`Pricing`. Usage priced once per stack (log ingestion) comes last. Pricing a new resource type is
one pricer and one row in the table.

A price the region lacks (plan/prices.py holds only sourced figures) is never guessed: the lines
that need it are still listed, unpriced, with the reason, and the totals add up the priced lines.

Commitments are a lever beside on demand, not in the totals: a Fargate service, an RDS instance and a
cache's nodes each say what they would cost under a 1-year, no-upfront Compute Savings Plan or
reservation (`Commitment`), sized to the desired counts and billed every hour of the term (so a
service or database stopped at night pays for the night too), or why there is no figure: Spot is
not covered, or no rate was found (prices.COMMITMENTS). The plan JSON shows a figure as `committed`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from superset_stack.office_hours import HOURS_PER_WEEK, running_hours_per_week
from superset_stack.plan.prices import (
    COMMITMENT_TERM,
    HOURS_PER_MONTH,
    Price,
    commitments_for,
    missing_reason,
    prices_for,
)

LCU_AVERAGE = 0.25
NAT_GB_PER_MONTH = 10
LOG_GB_PER_MONTH = 5
S3_GB_PER_BUCKET = 10


SAVINGS_PLAN = "Compute Savings Plan"
RDS_RESERVED = "RDS reserved instance"
CACHE_RESERVED = "ElastiCache reserved nodes"


@dataclass(frozen=True)
class Commitment:
    """A line under a 1-year, no-upfront commitment, USD a month at the desired counts.

    Attributes:
        kind: SAVINGS_PLAN, RDS_RESERVED or CACHE_RESERVED.
        monthly: what the line would cost under it; None without a sourced rate.
        note: where the rate comes from, or why there is no figure.
        estimate: the rate is an estimate.
        at_best: without a rate, the least a published ceiling allows (its source is in
            plan/prices.py); None without one either.
    """

    kind: str
    monthly: float | None
    note: str
    estimate: bool = False
    at_best: float | None = None


@dataclass(frozen=True)
class CostLine:
    """What one resource costs a month for one item, USD; `unpriced` says why a line has no figure
    (then both amounts are 0 and count in no total); `commitment` what a 1-year commitment makes of
    it, for the lines one applies to."""

    resource: str
    item: str
    monthly_min: float
    monthly_max: float
    estimate: bool
    unpriced: str = ""
    commitment: Commitment | None = None


@dataclass(frozen=True)
class CostReport:
    region: str
    lines: tuple[CostLine, ...]

    @property
    def monthly_min(self) -> float:
        """Sum of the priced lines at desired counts (a lower bound while any line is unpriced)."""
        return round(sum(line.monthly_min for line in self.lines), 2)

    @property
    def monthly_max(self) -> float:
        return round(sum(line.monthly_max for line in self.lines), 2)

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.unpriced)

    def as_contract(self) -> dict[str, Any]:
        """The `cost` object of the plan JSON contract (ARCHITECTURE.md); an unpriced line has
        `monthly` null and says why in `unpriced`."""
        return {
            "currency": "USD",
            "monthly_min": self.monthly_min,
            "monthly_max": self.monthly_max,
            "lines": [_contract_line(line) for line in self.lines],
        }


@dataclass(frozen=True)
class MissingPrice(Price):
    """A unit price the region lacks: its figure is NaN, so whatever is computed from it is NaN
    too (never a wrong amount); the line that uses it is reported unpriced."""

    region: str = ""
    key: str = ""


def _contract_line(line: CostLine) -> dict[str, Any]:
    if line.unpriced:
        return {"resource": line.resource, "item": line.item, "monthly": None, "unpriced": line.unpriced}
    contract = {"resource": line.resource, "item": line.item, "monthly": round(line.monthly_min, 2)}
    if line.commitment is not None and line.commitment.monthly is not None:
        contract |= {"committed": round(line.commitment.monthly, 2), "commitment": line.commitment.kind}
    return contract


class Declared(Protocol):
    """A resource as the program declares it: Pulumi type token, logical name, camelCase inputs."""

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def inputs(self) -> Mapping[str, Any]: ...


TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
SCHEDULE = "aws:scheduler/schedule:Schedule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _service_hours(actions: Sequence[Declared]) -> dict[str, float]:
    """Hours a week each scheduled ECS service runs, keyed by service name."""
    windows: dict[str, dict[str, str]] = {}
    for action in actions:
        service = str(action.inputs.get("resourceId", "")).rsplit("/", 1)[-1]
        stops = int((action.inputs.get("scalableTargetAction") or {}).get("maxCapacity", 0)) == 0
        windows.setdefault(service, {})["stop" if stops else "start"] = str(action.inputs["schedule"])
    return {
        service: running_hours_per_week(window["start"], window["stop"])
        for service, window in windows.items()
        if {"start", "stop"} <= window.keys()
    }


def _database_hours(schedules: Sequence[Declared]) -> dict[str, float]:
    """Hours a week each scheduled RDS instance runs, keyed by instance identifier."""
    windows: dict[str, dict[str, str]] = {}
    for schedule in schedules:
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


@dataclass(frozen=True)
class Pricing:
    """What every pricer reads: the region's unit prices and the whole plan, by resource type.

    A pricer sees more than its own resource because some prices depend on others: a service's
    task definition and autoscaling ceiling, the schedules that stop a service or a database.
    """

    region: str
    prices: Mapping[str, Price]
    by_type: Mapping[str, Sequence[Declared]]
    task_definitions: Mapping[Any, Mapping[str, Any]]  # inputs by family
    ceilings: Mapping[str, int]  # autoscaling maximum capacity by ECS service name
    service_hours: Mapping[str, float]  # hours a week, by ECS service name (office hours)
    database_hours: Mapping[str, float]  # hours a week, by RDS instance identifier
    commitments: Mapping[str, Price] = field(default_factory=dict)  # prices.COMMITMENTS of the region

    @classmethod
    def of_plan(cls, resources: Sequence[Declared], region: str) -> Pricing:
        """The plan's resources by type and the region's prices (none for an unknown region)."""
        by_type: dict[str, list[Declared]] = {}
        for resource in resources:
            by_type.setdefault(resource.type, []).append(resource)
        prices = prices_for(region)
        return cls(
            region,
            prices,
            by_type,
            task_definitions={r.inputs.get("family"): r.inputs for r in by_type.get(TASK_DEFINITION, [])},
            ceilings={
                str(r.inputs.get("resourceId", "")).rsplit("/", 1)[-1]: int(r.inputs.get("maxCapacity", 0))
                for r in by_type.get(SCALABLE_TARGET, [])
            },
            service_hours=_service_hours(by_type.get(SCHEDULED_ACTION, [])),
            database_hours=_database_hours(by_type.get(SCHEDULE, [])),
            commitments=commitments_for(region),
        )

    def price(self, key: str) -> Price:
        """The region's unit price for `key`, or a MissingPrice."""
        if key not in self.prices:
            return MissingPrice(math.nan, "", "", region=self.region, key=key)
        return self.prices[key]

    def of_type(self, resource_type: str) -> Sequence[Declared]:
        return self.by_type.get(resource_type, [])


def _line(
    resource: str,
    item: str,
    prices_used: Sequence[Price],
    low: float,
    high: float | None = None,
    *,
    commitment: Commitment | None = None,
) -> CostLine:
    """A cost line, USD a month rounded to 4 places; an estimate when any price used is one;
    unpriced when any price used is missing (or the amount is NaN, from a price not listed), and
    then without its commitment."""
    high = low if high is None else high
    missing = [p for p in prices_used if isinstance(p, MissingPrice)]
    if missing:
        reason = missing_reason(missing[0].region, [p.key for p in missing])
        return CostLine(resource, item, 0.0, 0.0, estimate=False, unpriced=reason)
    if math.isnan(low) or math.isnan(high):  # a pricer used a missing price it did not list
        return CostLine(resource, item, 0.0, 0.0, estimate=False, unpriced="a unit price is missing")
    estimate = any(p.estimate for p in prices_used)
    return CostLine(resource, item, round(low, 4), round(high, 4), estimate, commitment=commitment)


# --- commitments (1 year, no upfront): sized to the desired counts, billed every hour -------------


def _savings_plan(pricing: Pricing, arch: str, *, on_spot: bool, always_on: float) -> Commitment:
    """A Compute Savings Plan covering a service's desired count around the clock (`always_on`: its
    on-demand month at that count, every hour)."""
    if on_spot:
        return Commitment(SAVINGS_PLAN, None, "Savings Plans do not cover Fargate Spot")
    factor = pricing.commitments.get(f"fargate.{arch}.savings_plan")
    if factor is None:
        what = f"Savings Plans rate for Fargate {arch.upper()}"
        return Commitment(SAVINGS_PLAN, None, _not_found(pricing, what))
    return Commitment(SAVINGS_PLAN, round(always_on * factor.usd, 4), factor.source, factor.estimate)


def _reservation(
    pricing: Pricing, *, kind: str, key: str, what: str, always_on: float, count: int
) -> Commitment:
    """`count` reservations at the hourly rate `key`; without one, the bound a ceiling gives
    against `always_on` (the on-demand month of every hour), if the kind has a ceiling."""
    rate = pricing.commitments.get(key)
    if rate is not None:
        monthly = rate.usd * HOURS_PER_MONTH * count
        return Commitment(kind, round(monthly, 4), rate.source, rate.estimate)
    ceiling = pricing.commitments.get("rds.reserved.ceiling") if kind == RDS_RESERVED else None
    at_best = round(always_on * ceiling.usd, 4) if ceiling else None
    return Commitment(kind, None, _not_found(pricing, f"reserved rate for {what}"), at_best=at_best)


def _not_found(pricing: Pricing, what: str) -> str:
    return f"no sourced {COMMITMENT_TERM} {what} in {pricing.region} (plan/prices.py)"


Pricer = Callable[[Declared, Pricing], Iterator[CostLine]]


def _fargate_service(service: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """Fargate tasks from the desired count up to the autoscaling ceiling; Spot and office hours
    as the service declares them. A service without a recorded task definition is not priced."""
    family = str(service.inputs.get("taskDefinition", "")).rsplit("/", 1)[-1].split(":")[0]
    task = pricing.task_definitions.get(family)
    if task is None:
        return
    arch = "arm" if (task.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64" else "x86"
    vcpu, gb = int(task["cpu"]) / 1024, int(task["memory"]) / 1024
    vcpu_hour, gb_hour = pricing.price(f"fargate.{arch}.vcpu"), pricing.price(f"fargate.{arch}.gb")
    providers = {s.get("capacityProvider") for s in service.inputs.get("capacityProviderStrategies") or []}
    spot = pricing.price("fargate.spot.factor") if providers == {"FARGATE_SPOT"} else None
    share, hours = _running(pricing.service_hours.get(service.name))
    every_hour = (vcpu * vcpu_hour.usd + gb * gb_hour.usd) * (spot.usd if spot else 1.0) * HOURS_PER_MONTH
    low = int(service.inputs.get("desiredCount", 1))
    high = max(low, pricing.ceilings.get(service.name, low))
    yield _line(
        service.name,
        f"Fargate {arch.upper()}{' Spot' if spot else ''} {vcpu:g} vCPU / {gb:g} GB "
        f"x {low}-{high} tasks{hours}",
        [vcpu_hour, gb_hour, spot] if spot else [vcpu_hour, gb_hour],
        every_hour * share * low,
        every_hour * share * high,
        commitment=_savings_plan(pricing, arch, on_spot=spot is not None, always_on=every_hour * low),
    )


def _rds_instance(database: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """Instance hours (Multi-AZ at its listed rate, else x2; only the scheduled hours), gp3 storage,
    the managed secret."""
    inputs = database.inputs
    copies = 2 if inputs.get("multiAz") else 1
    klass = pricing.price(f"rds.{inputs['instanceClass']}")
    per_hour = klass.usd * copies
    if copies == 2:
        # the Price List's Multi-AZ rate is not always twice Single-AZ (db.m7g.large: 0.337, 0.168)
        listed = pricing.price(f"rds.multi-az.{inputs['instanceClass']}")
        if not isinstance(listed, MissingPrice):
            klass, per_hour = listed, listed.usd
    storage = pricing.price("rds.gp3")
    gib = int(inputs.get("allocatedStorage", 20))
    # a stopped instance pays storage but no instance hours
    share, hours = _running(pricing.database_hours.get(str(inputs.get("identifier"))))
    deployment = "Multi-AZ" if copies == 2 else "Single-AZ"
    every_hour = per_hour * HOURS_PER_MONTH
    reserved = _reservation(
        pricing,
        kind=RDS_RESERVED,
        key=f"rds.reserved.{inputs['instanceClass']}.{deployment.lower()}",  # per instance-hour
        what=f"{inputs['instanceClass']} {deployment}",
        always_on=every_hour,
        count=1,
    )
    yield _line(
        database.name,
        f"RDS {inputs['instanceClass']}{' Multi-AZ' if copies == 2 else ''}{hours}",
        [klass],
        every_hour * share,
        commitment=reserved,
    )
    yield _line(
        database.name,
        f"RDS gp3 {gib} GiB{' x2 (Multi-AZ)' if copies == 2 else ''}",
        [storage],
        storage.usd * gib * copies,
    )
    if inputs.get("manageMasterUserPassword"):
        secret = pricing.price("secret")
        yield _line(database.name, "RDS-managed master secret", [secret], secret.usd)


def _cache_nodes(group: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """Node hours of a replication group. Valkey at its own listed rate where the region has one,
    else at its factor of the Redis OSS rate."""
    engine, node_type = group.inputs.get("engine"), group.inputs["nodeType"]
    node, valkey = pricing.price(f"elasticache.redis.{node_type}"), None
    if engine == "valkey":
        listed = pricing.price(f"elasticache.valkey.{node_type}")
        if isinstance(listed, MissingPrice):
            valkey = pricing.price("elasticache.valkey.factor")
        else:
            node = listed
    nodes = int(group.inputs.get("numCacheClusters", 1))
    monthly = node.usd * (valkey.usd if valkey else 1.0) * nodes * HOURS_PER_MONTH
    reserved = _reservation(
        pricing,
        kind=CACHE_RESERVED,
        key=f"elasticache.reserved.{engine}.{node_type}",  # per node-hour
        what=f"{engine} {node_type}",
        always_on=monthly,
        count=nodes,
    )
    yield _line(
        group.name,
        f"ElastiCache {engine} {node_type} x {nodes}",
        [node, valkey] if valkey else [node],
        monthly,
        commitment=reserved,
    )


def _load_balancer(balancer: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """ALB hours, assumed capacity units, and a public IPv4 address per subnet."""
    hour, lcu, ipv4 = pricing.price("alb.hour"), pricing.price("alb.lcu"), pricing.price("ipv4.hour")
    yield _line(balancer.name, "ALB hours", [hour], hour.usd * HOURS_PER_MONTH)
    yield _line(
        balancer.name,
        f"ALB capacity units ({LCU_AVERAGE} average)",
        [lcu],
        lcu.usd * LCU_AVERAGE * HOURS_PER_MONTH,
    )
    addresses = len(balancer.inputs.get("subnets") or [])
    yield _line(balancer.name, f"public IPv4 x {addresses}", [ipv4], ipv4.usd * addresses * HOURS_PER_MONTH)


def _nat_gateway(nat: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """NAT gateway hours and an assumed volume of data processed."""
    hour, data = pricing.price("nat.hour"), pricing.price("nat.gb")
    yield _line(nat.name, "NAT gateway hours", [hour], hour.usd * HOURS_PER_MONTH)
    yield _line(nat.name, f"NAT data ({NAT_GB_PER_MONTH} GB)", [data], data.usd * NAT_GB_PER_MONTH)


def _nat_address(address: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """The public IPv4 address of a NAT gateway."""
    ipv4 = pricing.price("ipv4.hour")
    yield _line(address.name, "public IPv4 (NAT)", [ipv4], ipv4.usd * HOURS_PER_MONTH)


def _interface_endpoint(endpoint: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """An interface endpoint's hours in each zone it has a subnet in; gateway endpoints are free."""
    if endpoint.inputs.get("vpcEndpointType") != "Interface":
        return
    zones = len(endpoint.inputs.get("subnetIds") or [])
    hour = pricing.price("endpoint.hour")
    yield _line(
        endpoint.name,
        f"Endpoint (interface) in {zones} zone{'' if zones == 1 else 's'}",
        [hour],
        hour.usd * zones * HOURS_PER_MONTH,
    )


def _monthly(item: str, key: str) -> Pricer:
    """A pricer for a resource billed a fixed price a month (price key `key`)."""

    def pricer(resource: Declared, pricing: Pricing) -> Iterator[CostLine]:
        price = pricing.price(key)
        yield _line(resource.name, item, [price], price.usd)

    return pricer


def _s3_bucket(bucket: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """An assumed volume of S3 Standard storage."""
    gb = pricing.price("s3.gb")
    yield _line(bucket.name, f"S3 standard ({S3_GB_PER_BUCKET} GB)", [gb], gb.usd * S3_GB_PER_BUCKET)


def _web_acl(acl: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """A WAF web ACL and its rules, a month each."""
    rules = len(acl.inputs.get("rules") or [])
    web_acl, rule = pricing.price("waf.acl"), pricing.price("waf.rule")
    yield _line(acl.name, f"WAF web ACL with {rules} rules", [web_acl, rule], web_acl.usd + rules * rule.usd)


def _metric_alarm(alarm: Declared, pricing: Pricing) -> Iterator[CostLine]:
    """An alarm pays per metric it reads: one, or each metric of its metric-math expression."""
    queries = alarm.inputs.get("metricQueries") or []
    metrics = sum(1 for query in queries if query.get("metric") is not None) or 1
    price = pricing.price("alarm")
    item = "CloudWatch alarm" if metrics == 1 else f"CloudWatch alarm ({metrics} metrics)"
    yield _line(alarm.name, item, [price], price.usd * metrics)


def _log_ingestion(pricing: Pricing) -> Iterator[CostLine]:
    """An assumed volume of CloudWatch Logs ingestion, once per stack that has log groups."""
    if pricing.of_type(LOG_GROUP):
        gb = pricing.price("logs.gb")
        yield _line(
            "log groups",
            f"CloudWatch Logs ingestion ({LOG_GB_PER_MONTH} GB)",
            [gb],
            gb.usd * LOG_GB_PER_MONTH,
        )


# What AWS bills, by resource type, in the order the cost lines are listed.
PRICERS: dict[str, Pricer] = {
    "aws:ecs/service:Service": _fargate_service,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache_nodes,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _nat_address,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _interface_endpoint,
    "aws:kms/key:Key": _monthly("KMS customer-managed key", "kms.key"),
    "aws:secretsmanager/secret:Secret": _monthly("Secrets Manager secret", "secret"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
}


def estimate(resources: Sequence[Declared], region: str) -> CostReport:
    """Price every billable resource through the pricer of its type (PRICERS), then the usage
    priced once per stack. Lines whose unit price the region lacks are unpriced, with the reason;
    a region without any prices has every line unpriced."""
    pricing = Pricing.of_plan(resources, region)
    lines = [
        line
        for resource_type, pricer in PRICERS.items()
        for resource in pricing.of_type(resource_type)
        for line in pricer(resource, pricing)
    ]
    lines += _log_ingestion(pricing)
    return CostReport(region, tuple(lines))
