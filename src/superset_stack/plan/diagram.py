"""The architecture picture of a plan, as SVG: zones and subnets, tiers, and the traffic they allow.

Drawn from the plan document (the JSON contract), not from settings, so the picture shows what the
program declares: one column per availability zone with its public and private subnets and CIDRs,
NAT gateways and endpoint interfaces in the subnets that hold them, the load balancer, the ECS
services, the database and the cache across the zones their subnet groups span, and an arrow for
every security group rule between them, labelled with its port. No layout engine: a fixed grid,
so the same plan always gives the same picture.

`svg` draws it layer by layer, each from its own short function: the frame, the zone columns with
their subnets, the edge, the services, the data stores, the AWS services outside the VPC, the
arrows and the legend. The fixed rows are the boxes below; only the columns depend on the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

WIDTH = 1180
VPC_LEFT, VPC_TOP, VPC_RIGHT = 20, 120, 900
PUBLIC_TOP, PUBLIC_HEIGHT = VPC_TOP + 40, 120
PRIVATE_TOP, PRIVATE_HEIGHT = PUBLIC_TOP + PUBLIC_HEIGHT + 40, 330
VPC_BOTTOM = PRIVATE_TOP + PRIVATE_HEIGHT + 20
HEIGHT = VPC_BOTTOM + 40

COLOURS = {
    "edge": "#d9480f",
    "app": "#1971c2",
    "data": "#2f9e44",
    "aws": "#6741d9",
    "subnet_public": "#fff4e6",
    "subnet_private": "#e7f5ff",
}

# the tiers, named as the security groups that guard them (security_groups.py)
TIERS = ("alb", "app", "database", "cache", "endpoints")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


# fixed rows: the tiers span the VPC inside a margin
VPC_BOX = Box(VPC_LEFT, VPC_TOP, VPC_RIGHT - VPC_LEFT, VPC_BOTTOM - VPC_TOP)
INNER = Box(VPC_LEFT + 30, 0, VPC_BOX.w - 60, 0)
ALB = Box(INNER.x, PUBLIC_TOP + 26, INNER.w, 44)
APP = Box(INNER.x, PRIVATE_TOP + 30, INNER.w, 44)
# the data tier leaves a lane on the left for the arrow to the endpoints
DATA_LEFT, DATA_WIDTH = INNER.x + 50, INNER.w - 50
DATABASE = Box(DATA_LEFT, PRIVATE_TOP + 150, DATA_WIDTH / 2 - 10, 44)
CACHE = Box(DATA_LEFT + DATA_WIDTH / 2 + 10, PRIVATE_TOP + 150, DATA_WIDTH / 2 - 10, 44)

# AWS services outside the VPC, one box each down the right-hand side: title, detail
AWS_X = VPC_RIGHT + 30
REGIONAL = (
    ("S3 results bucket", "gateway endpoint"),
    ("ECR image", "pulled by digest"),
    ("Secrets Manager", "secrets via valueFrom"),
    ("CloudWatch", "logs, alarms, dashboard"),
    ("KMS key", "encrypts everything"),
    ("SNS alarm topic", ""),
    ("AWS Backup", "daily vault"),
)
REGIONAL_BOXES = {
    title: Box(AWS_X, VPC_TOP + 10 + index * 62, WIDTH - AWS_X - 20, 48)
    for index, (title, _detail) in enumerate(REGIONAL)
}


@dataclass(frozen=True)
class ZoneColumns:
    """One column per availability zone across the VPC, and the lane of the vertical arrows."""

    width: float
    lane: float

    def x(self, index: int) -> float:
        """Left edge of the zone column at `index`."""
        return VPC_LEFT + 10 + index * self.width

    @property
    def internet(self) -> Box:
        """The internet above the VPC, centred on the lane its arrow takes."""
        return Box(self.lane - 110, 62, 220, 40)


def zone_columns(zone_count: int) -> ZoneColumns:
    """Equal columns for `zone_count` zones; vertical arrows run in the gap between the first two
    columns, clear of subnet labels, or down the middle of a single one."""
    width = (VPC_RIGHT - VPC_LEFT - 20) / max(zone_count, 1)
    lane = VPC_LEFT + 10 + width if zone_count > 1 else VPC_LEFT + (VPC_RIGHT - VPC_LEFT) / 2
    return ZoneColumns(width, lane)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    weight: str = "normal",
    anchor: str = "middle",
    colour: str = "#212529",
) -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}" fill="{colour}">{escape(text)}</text>'
    )


def _rect(box: Box, *, fill: str, stroke: str, dash: bool = False, radius: int = 6) -> str:
    pattern = ' stroke-dasharray="6 4"' if dash else ""
    return (
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="{radius}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{pattern}/>'
    )


def _bar(box: Box, colour: str, title: str, detail: str = "") -> list[str]:
    parts = [
        _rect(box, fill="#ffffff", stroke=colour),
        _text(box.centre_x, box.y + 18, title, weight="bold", colour=colour),
    ]
    if detail:
        parts.append(_text(box.centre_x, box.y + 34, detail, size=11))
    return parts


def _arrow(line: tuple[float, float, float, float], label: str) -> list[str]:
    x1, y1, x2, y2 = line
    label_x, label_y = (x1 + x2) / 2 + 6, (y1 + y2) / 2 + 4
    return [
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#495057" stroke-width="2" '
        'marker-end="url(#arrow)"/>',
        _text(label_x, label_y, label, size=11, anchor="start", colour="#495057"),
    ]


def _of_type(resources: Iterable[Mapping[str, Any]], suffix: str) -> list[Mapping[str, Any]]:
    return [r for r in resources if str(r["type"]).endswith(suffix)]


def _tier_of_group(group_id: str) -> str | None:
    """`superset-sg-app-id` -> `app`: the recording mocks give every resource the id `<name>-id`."""
    return next((tier for tier in TIERS if group_id.endswith(f"-{tier}-id")), None)


def flows(resources: Iterable[Mapping[str, Any]]) -> set[tuple[str, str, int]]:
    """(from, to, port) for every security group rule between tiers, `internet` and `s3` (a rule
    within a tier, the worker's browser to the web tasks, stays inside its box)."""
    found: set[tuple[str, str, int]] = set()
    for rule in _of_type(resources, ":SecurityGroupIngressRule"):
        inputs = rule["inputs"]
        target = _tier_of_group(str(inputs.get("securityGroupId", "")))
        source = _tier_of_group(str(inputs.get("referencedSecurityGroupId", "")))
        if target and (source or inputs.get("cidrIpv4")) and source != target:
            found.add((source or "internet", target, int(inputs["fromPort"])))
    for rule in _of_type(resources, ":SecurityGroupEgressRule"):
        inputs = rule["inputs"]
        source = _tier_of_group(str(inputs.get("securityGroupId", "")))
        if source != "app":
            continue
        if inputs.get("prefixListId"):
            found.add(("app", "s3", int(inputs["fromPort"])))
        elif inputs.get("cidrIpv4") == "0.0.0.0/0":
            found.add(("app", "internet", int(inputs["fromPort"])))
    return found


@dataclass(frozen=True)
class Zones:
    """What the plan puts in each availability zone."""

    names: list[str]  # sorted
    subnets: list[Mapping[str, Any]]  # sorted by name
    nat: set[str]  # zones whose public subnet holds a NAT gateway
    endpoints: dict[str, list[str]]  # zone -> interface endpoint services (ecr.api, logs, ...)


def zones_of(resources: Sequence[Mapping[str, Any]], region: str) -> Zones:
    """The zones of the plan's subnets, and where its NAT gateways and endpoint interfaces are."""
    subnets = sorted(_of_type(resources, "ec2/subnet:Subnet"), key=lambda subnet: str(subnet["name"]))
    subnet_zone = {f"{s['name']}-id": str(s["inputs"]["availabilityZone"]) for s in subnets}
    nat = {
        subnet_zone.get(str(n["inputs"].get("subnetId")), "")
        for n in _of_type(resources, "natGateway:NatGateway")
    }
    endpoints: dict[str, list[str]] = {}
    for endpoint in _of_type(resources, "vpcEndpoint:VpcEndpoint"):
        if endpoint["inputs"].get("vpcEndpointType") != "Interface":
            continue
        # com.amazonaws.<region>.ecr.api -> ecr.api
        service = str(endpoint["inputs"]["serviceName"]).split(f".{region}.", 1)[-1]
        for subnet in endpoint["inputs"].get("subnetIds") or []:
            endpoints.setdefault(subnet_zone.get(str(subnet), ""), []).append(service)
    names = sorted({str(s["inputs"]["availabilityZone"]) for s in subnets})
    return Zones(names, subnets, nat, endpoints)


def _header(document: Mapping[str, Any]) -> list[str]:
    """The SVG element, the arrow head, the background, the title and what the picture is."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/></marker></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(
            20,
            28,
            f"Superset stack {document['stack']} ({document['environment']}, {document['region']})",
            size=16,
            weight="bold",
            anchor="start",
        ),
        _text(
            20,
            48,
            "Drawn from the offline plan: every box is a declared resource, every arrow a "
            "security group rule.",
            size=11,
            anchor="start",
            colour="#868e96",
        ),
    ]


def _frame(resources: list[Mapping[str, Any]], columns: ZoneColumns) -> list[str]:
    """The internet above, and the VPC frame with its CIDR."""
    vpc = (_of_type(resources, "ec2/vpc:Vpc") or [{"inputs": {}}])[0]["inputs"]
    return [
        *_bar(columns.internet, "#495057", "Users and the internet"),
        _rect(VPC_BOX, fill="#f8f9fa", stroke="#868e96", dash=True),
        _text(VPC_LEFT + 10, VPC_TOP + 18, f"VPC {vpc.get('cidrBlock', '')}", weight="bold", anchor="start"),
    ]


def _subnets(zones: Zones, columns: ZoneColumns) -> list[str]:
    """One column per zone, each with its public and private subnet and what they hold."""
    out: list[str] = []
    for index, zone in enumerate(zones.names):
        for subnet in zones.subnets:
            if subnet["inputs"]["availabilityZone"] == zone:
                out += _subnet(subnet, zone, columns.x(index), columns.width, zones)
    return out


def _subnet(subnet: Mapping[str, Any], zone: str, x: float, width: float, zones: Zones) -> list[str]:
    """A subnet's box and label; a NAT gateway in a public one, endpoint interfaces in a private one."""
    public = "-public-" in str(subnet["name"])
    box = Box(
        x + 5,
        PUBLIC_TOP if public else PRIVATE_TOP,
        width - 10,
        PUBLIC_HEIGHT if public else PRIVATE_HEIGHT,
    )
    label = f"{zone} {'public' if public else 'private'} {subnet['inputs']['cidrBlock']}"
    out = [
        _rect(box, fill=COLOURS["subnet_public" if public else "subnet_private"], stroke="#adb5bd"),
        _text(box.x + 8, box.y + 16, label, size=11, anchor="start", colour="#495057"),
    ]
    if public and zone in zones.nat:
        nat = Box(box.centre_x - 60, box.bottom - 34, 120, 26)
        out += [
            _rect(nat, fill="#ffffff", stroke=COLOURS["edge"]),
            _text(nat.centre_x, nat.y + 17, "NAT gateway", size=11, colour=COLOURS["edge"]),
        ]
    if not public and zone in zones.endpoints:
        chip = Box(box.x + 10, box.bottom - 44, box.w - 20, 36)
        out += [
            _rect(chip, fill="#ffffff", stroke=COLOURS["aws"]),
            _text(chip.centre_x, chip.y + 15, "interface endpoints", size=11, colour=COLOURS["aws"]),
            _text(chip.centre_x, chip.y + 29, ", ".join(sorted(zones.endpoints[zone])), size=10),
        ]
    return out


def _edge(resources: list[Mapping[str, Any]]) -> list[str]:
    """The load balancer across the public subnets: its listener ports and whether a WAF guards it."""
    if not _of_type(resources, "lb/loadBalancer:LoadBalancer"):
        return []
    waf = bool(_of_type(resources, "wafv2/webAcl:WebAcl"))
    listeners = sorted(int(r["inputs"].get("port", 0)) for r in _of_type(resources, "lb/listener:Listener"))
    detail = f"listeners {', '.join(map(str, listeners))}" + (" · WAF" if waf else "")
    return _bar(ALB, COLOURS["edge"], "Application Load Balancer (TLS 1.3)", detail)


def _task_counts(services: Mapping[str, Mapping[str, Any]], resources: list[Mapping[str, Any]]) -> list[str]:
    """`web 2-10`: tasks per role, from the desired count up to the autoscaling ceiling."""
    ceilings = {
        str(r["inputs"].get("resourceId", "")).rsplit("-", 1)[-1]: int(r["inputs"].get("maxCapacity", 0))
        for r in _of_type(resources, "appautoscaling/target:Target")
    }
    counts = []
    for role in ("web", "worker", "beat"):
        if role in services:
            low = int(services[role].get("desiredCount", 0))
            high = max(low, ceilings.get(role, low))
            counts.append(f"{role} {low}" + (f"-{high}" if high > low else ""))
    return counts


def _services(resources: list[Mapping[str, Any]]) -> list[str]:
    """The ECS services across the private subnets: tasks per role, CPU architecture, the levers."""
    services = {
        str(r["name"]).rsplit("-", 1)[-1]: r["inputs"] for r in _of_type(resources, "ecs/service:Service")
    }
    definitions = _of_type(resources, "ecs/taskDefinition:TaskDefinition")
    arch = str(
        ((definitions[0]["inputs"].get("runtimePlatform") or {}) if definitions else {}).get(
            "cpuArchitecture", ""
        )
    )
    spot = any(s.get("capacityProviderStrategies") for s in services.values())
    return _bar(
        APP,
        COLOURS["app"],
        "ECS Fargate services",
        f"{', '.join(_task_counts(services, resources))} tasks · {arch}"
        + (" · Spot" if spot else "")
        + (" · office hours" if _of_type(resources, "ScheduledAction") else ""),
    )


def _data_stores(resources: list[Mapping[str, Any]]) -> list[str]:
    """The database and the cache side by side below the services, with size and redundancy."""
    out: list[str] = []
    for db in _of_type(resources, "rds/instance:Instance"):
        i = db["inputs"]
        out += _bar(
            DATABASE,
            COLOURS["data"],
            f"RDS PostgreSQL {i.get('engineVersion', '')}",
            f"{i.get('instanceClass')}{' · Multi-AZ standby' if i.get('multiAz') else ' · single-AZ'}",
        )
    for group in _of_type(resources, "replicationGroup:ReplicationGroup"):
        i = group["inputs"]
        nodes = int(i.get("numCacheClusters", 1))
        out += _bar(
            CACHE,
            COLOURS["data"],
            f"ElastiCache {i.get('engine')} {i.get('engineVersion', '')}",
            f"{i.get('nodeType')} x {nodes}{' · failover' if nodes > 1 else ''}",
        )
    return out


def _regional_services() -> list[str]:
    """The AWS services outside the VPC (REGIONAL)."""
    out: list[str] = []
    for title, detail in REGIONAL:
        out += _bar(REGIONAL_BOXES[title], COLOURS["aws"], title, detail)
    return out


def _arrow_paths(columns: ZoneColumns) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """Where the arrow for each pair of tiers runs: (x1, y1, x2, y2)."""
    lane = columns.lane
    return {
        ("internet", "alb"): (lane, columns.internet.bottom, lane, ALB.y),
        ("alb", "app"): (lane, ALB.bottom, lane, APP.y),
        ("app", "database"): (DATABASE.centre_x, APP.bottom, DATABASE.centre_x, DATABASE.y),
        ("app", "cache"): (CACHE.centre_x, APP.bottom, CACHE.centre_x, CACHE.y),
        ("app", "endpoints"): (INNER.x + 20, APP.bottom, INNER.x + 20, PRIVATE_TOP + PRIVATE_HEIGHT - 44),
        ("app", "s3"): (APP.x + APP.w, APP.y + 22, AWS_X, REGIONAL_BOXES["S3 results bucket"].y + 24),
    }


def _arrows(allowed: set[tuple[str, str, int]], columns: ZoneColumns, nat: bool) -> list[str]:
    """One arrow per pair of tiers a security group rule connects, labelled with its ports."""
    ports: dict[tuple[str, str], list[int]] = {}
    for source, target, port in sorted(allowed):
        ports.setdefault((source, target), []).append(port)
    out: list[str] = []
    for pair, line in _arrow_paths(columns).items():
        if pair in ports:
            label = " / ".join(str(p) for p in ports[pair])
            if pair == ("internet", "alb") and 80 in ports[pair]:
                label = "443 (80 only redirects)"
            out += _arrow(line, label)
    if ("app", "internet") in ports and nat:
        # tasks reach the internet through the NAT gateway of their zone
        up = (INNER.x + INNER.w - 60, APP.y, INNER.x + INNER.w - 60, PUBLIC_TOP + PUBLIC_HEIGHT - 8)
        out += _arrow(up, f"{ports[('app', 'internet')][0]} via NAT")
    return out


def _legend() -> str:
    """What the arrows mean, along the bottom."""
    return _text(
        20,
        HEIGHT - 14,
        "Arrows: security group rules (port). Nothing else is allowed in; the "
        "database and cache accept only the ECS tasks.",
        size=11,
        anchor="start",
        colour="#495057",
    )


def svg(document: Mapping[str, Any]) -> str:
    """The picture of one plan document: title, the VPC with a column per zone and its subnets,
    the tiers, the AWS services outside the VPC, an arrow per allowed flow, the legend."""
    resources: list[Mapping[str, Any]] = document["resources"]
    zones = zones_of(resources, str(document["region"]))
    columns = zone_columns(len(zones.names))
    out = [
        *_header(document),
        *_frame(resources, columns),
        *_subnets(zones, columns),
        *_edge(resources),
        *_services(resources),
        *_data_stores(resources),
        *_regional_services(),
        *_arrows(flows(resources), columns, bool(zones.nat)),
        _legend(),
        "</svg>",
    ]
    return "\n".join(out) + "\n"
