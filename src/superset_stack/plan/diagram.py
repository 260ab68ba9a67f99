"""The architecture picture of a plan, as SVG: zones and subnets, tiers, and the traffic they allow.

Drawn from the plan document (the JSON contract), not from settings, so the picture shows what the
program declares: one column per availability zone with its public and private subnets and CIDRs,
NAT gateways and endpoint interfaces in the subnets that hold them, the load balancer, the ECS
services, the database and the cache across the zones their subnet groups span, and an arrow for
every security group rule between them, labelled with its port. No layout engine: a fixed grid,
so the same plan always gives the same picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    """(from, to, port) for every security group rule: tiers, `internet`, `s3`."""
    found: set[tuple[str, str, int]] = set()
    for rule in _of_type(resources, ":SecurityGroupIngressRule"):
        inputs = rule["inputs"]
        target = _tier_of_group(str(inputs.get("securityGroupId", "")))
        source = _tier_of_group(str(inputs.get("referencedSecurityGroupId", "")))
        if target and (source or inputs.get("cidrIpv4")):
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


def svg(document: Mapping[str, Any]) -> str:
    """The picture of one plan document."""
    resources: list[Mapping[str, Any]] = document["resources"]
    subnets = sorted(_of_type(resources, "ec2/subnet:Subnet"), key=lambda subnet: str(subnet["name"]))
    zones = sorted({str(s["inputs"]["availabilityZone"]) for s in subnets})
    subnet_zone = {f"{s['name']}-id": str(s["inputs"]["availabilityZone"]) for s in subnets}
    nat_zones = {
        subnet_zone.get(str(n["inputs"].get("subnetId")), "")
        for n in _of_type(resources, "natGateway:NatGateway")
    }
    interface = [
        e
        for e in _of_type(resources, "vpcEndpoint:VpcEndpoint")
        if e["inputs"].get("vpcEndpointType") == "Interface"
    ]
    endpoint_zones: dict[str, list[str]] = {}
    for endpoint in interface:
        # com.amazonaws.<region>.ecr.api -> ecr.api
        service = str(endpoint["inputs"]["serviceName"]).split(f".{document['region']}.", 1)[-1]
        for subnet in endpoint["inputs"].get("subnetIds") or []:
            endpoint_zones.setdefault(subnet_zone.get(str(subnet), ""), []).append(service)
    allowed = flows(resources)
    vpc = (_of_type(resources, "ec2/vpc:Vpc") or [{"inputs": {}}])[0]["inputs"]

    out = [
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

    # vertical arrows run in the gap between the first two zone columns, clear of subnet labels
    column = (VPC_RIGHT - VPC_LEFT - 20) / max(len(zones), 1)
    lane = VPC_LEFT + 10 + column if len(zones) > 1 else VPC_LEFT + (VPC_RIGHT - VPC_LEFT) / 2

    # internet and the VPC frame
    internet = Box(lane - 110, 62, 220, 40)
    out += _bar(internet, "#495057", "Users and the internet")
    vpc_box = Box(VPC_LEFT, VPC_TOP, VPC_RIGHT - VPC_LEFT, VPC_BOTTOM - VPC_TOP)
    out.append(_rect(vpc_box, fill="#f8f9fa", stroke="#868e96", dash=True))
    out.append(
        _text(VPC_LEFT + 10, VPC_TOP + 18, f"VPC {vpc.get('cidrBlock', '')}", weight="bold", anchor="start")
    )

    # one column per zone, each with its public and private subnet
    for index, zone in enumerate(zones):
        x = VPC_LEFT + 10 + index * column
        for subnet in subnets:
            if subnet["inputs"]["availabilityZone"] != zone:
                continue
            public = "-public-" in str(subnet["name"])
            box = Box(
                x + 5,
                PUBLIC_TOP if public else PRIVATE_TOP,
                column - 10,
                PUBLIC_HEIGHT if public else PRIVATE_HEIGHT,
            )
            out.append(
                _rect(box, fill=COLOURS["subnet_public" if public else "subnet_private"], stroke="#adb5bd")
            )
            label = f"{zone} {'public' if public else 'private'} {subnet['inputs']['cidrBlock']}"
            out.append(_text(box.x + 8, box.y + 16, label, size=11, anchor="start", colour="#495057"))
            if public and zone in nat_zones:
                nat = Box(box.centre_x - 60, box.bottom - 34, 120, 26)
                out += [
                    _rect(nat, fill="#ffffff", stroke=COLOURS["edge"]),
                    _text(nat.centre_x, nat.y + 17, "NAT gateway", size=11, colour=COLOURS["edge"]),
                ]
            if not public and zone in endpoint_zones:
                chip = Box(box.x + 10, box.bottom - 44, box.w - 20, 36)
                out += [
                    _rect(chip, fill="#ffffff", stroke=COLOURS["aws"]),
                    _text(chip.centre_x, chip.y + 15, "interface endpoints", size=11, colour=COLOURS["aws"]),
                    _text(chip.centre_x, chip.y + 29, ", ".join(sorted(endpoint_zones[zone])), size=10),
                ]

    inner = Box(VPC_LEFT + 30, 0, vpc_box.w - 60, 0)

    # the tiers, across the zones their subnets span
    alb = Box(inner.x, PUBLIC_TOP + 26, inner.w, 44)
    balancers = _of_type(resources, "lb/loadBalancer:LoadBalancer")
    waf = bool(_of_type(resources, "wafv2/webAcl:WebAcl"))
    listeners = sorted(int(r["inputs"].get("port", 0)) for r in _of_type(resources, "lb/listener:Listener"))
    if balancers:
        detail = f"listeners {', '.join(map(str, listeners))}" + (" · WAF" if waf else "")
        out += _bar(alb, COLOURS["edge"], "Application Load Balancer (TLS 1.3)", detail)

    services = {
        str(r["name"]).rsplit("-", 1)[-1]: r["inputs"] for r in _of_type(resources, "ecs/service:Service")
    }
    ceilings = {
        str(r["inputs"].get("resourceId", "")).rsplit("-", 1)[-1]: int(r["inputs"].get("maxCapacity", 0))
        for r in _of_type(resources, "appautoscaling/target:Target")
    }
    definitions = _of_type(resources, "ecs/taskDefinition:TaskDefinition")
    arch = str(
        ((definitions[0]["inputs"].get("runtimePlatform") or {}) if definitions else {}).get(
            "cpuArchitecture", ""
        )
    )
    spot = any(s.get("capacityProviderStrategies") for s in services.values())
    counts = []
    for role in ("web", "worker", "beat"):
        if role in services:
            low = int(services[role].get("desiredCount", 0))
            high = max(low, ceilings.get(role, low))
            counts.append(f"{role} {low}" + (f"-{high}" if high > low else ""))
    app = Box(inner.x, PRIVATE_TOP + 30, inner.w, 44)
    out += _bar(
        app,
        COLOURS["app"],
        "ECS Fargate services",
        f"{', '.join(counts)} tasks · {arch}"
        + (" · Spot" if spot else "")
        + (" · office hours" if _of_type(resources, "ScheduledAction") else ""),
    )

    # the data tier leaves a lane on the left for the arrow to the endpoints
    data_left, data_width = inner.x + 50, inner.w - 50
    database = Box(data_left, PRIVATE_TOP + 150, data_width / 2 - 10, 44)
    cache = Box(data_left + data_width / 2 + 10, PRIVATE_TOP + 150, data_width / 2 - 10, 44)
    for db in _of_type(resources, "rds/instance:Instance"):
        i = db["inputs"]
        out += _bar(
            database,
            COLOURS["data"],
            f"RDS PostgreSQL {i.get('engineVersion', '')}",
            f"{i.get('instanceClass')}{' · Multi-AZ standby' if i.get('multiAz') else ' · single-AZ'}",
        )
    for group in _of_type(resources, "replicationGroup:ReplicationGroup"):
        i = group["inputs"]
        nodes = int(i.get("numCacheClusters", 1))
        out += _bar(
            cache,
            COLOURS["data"],
            f"ElastiCache {i.get('engine')} {i.get('engineVersion', '')}",
            f"{i.get('nodeType')} x {nodes}{' · failover' if nodes > 1 else ''}",
        )

    # AWS services outside the VPC
    aws_x = VPC_RIGHT + 30
    regional = [
        ("S3 results bucket", "gateway endpoint"),
        ("ECR image", "pulled by digest"),
        ("Secrets Manager", "secrets via valueFrom"),
        ("CloudWatch", "logs, alarms, dashboard"),
        ("KMS key", "encrypts everything"),
        ("SNS alarm topic", ""),
        ("AWS Backup", "daily vault"),
    ]
    aws_boxes: dict[str, Box] = {}
    for index, (title, detail) in enumerate(regional):
        box = Box(aws_x, VPC_TOP + 10 + index * 62, WIDTH - aws_x - 20, 48)
        aws_boxes[title] = box
        out += _bar(box, COLOURS["aws"], title, detail)

    # the allowed traffic, one arrow per rule
    drawn = {
        ("internet", "alb"): (lane, internet.bottom, lane, alb.y),
        ("alb", "app"): (lane, alb.bottom, lane, app.y),
        ("app", "database"): (database.centre_x, app.bottom, database.centre_x, database.y),
        ("app", "cache"): (cache.centre_x, app.bottom, cache.centre_x, cache.y),
        ("app", "endpoints"): (inner.x + 20, app.bottom, inner.x + 20, PRIVATE_TOP + PRIVATE_HEIGHT - 44),
        ("app", "s3"): (app.x + app.w, app.y + 22, aws_x, aws_boxes["S3 results bucket"].y + 24),
    }
    ports: dict[tuple[str, str], list[int]] = {}
    for source, target, port in sorted(allowed):
        ports.setdefault((source, target), []).append(port)
    for pair, (x1, y1, x2, y2) in drawn.items():
        if pair in ports:
            label = " / ".join(str(p) for p in ports[pair])
            if pair == ("internet", "alb") and 80 in ports[pair]:
                label = "443 (80 only redirects)"
            out += _arrow((x1, y1, x2, y2), label)
    if ("app", "internet") in ports and nat_zones:
        # tasks reach the internet through the NAT gateway of their zone
        up = (inner.x + inner.w - 60, app.y, inner.x + inner.w - 60, PUBLIC_TOP + PUBLIC_HEIGHT - 8)
        out += _arrow(up, f"{ports[('app', 'internet')][0]} via NAT")

    legend_y = HEIGHT - 14
    out.append(
        _text(
            20,
            legend_y,
            "Arrows: security group rules (port). Nothing else is allowed in; the "
            "database and cache accept only the ECS tasks.",
            size=11,
            anchor="start",
            colour="#495057",
        )
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
