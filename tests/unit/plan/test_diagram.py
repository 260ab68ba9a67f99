"""The architecture picture: drawn from the recorded plan, one column per zone, one arrow per rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.stack import SupersetStack
from superset_stack.plan.diagram import COLOURS, flows, svg
from superset_stack.plan.recording import RecordingMocks
from superset_stack.settings import Settings
from tests.conftest import make_settings

Build = Callable[[Callable[[], Any]], RecordingMocks]
SVG = "{http://www.w3.org/2000/svg}"


def planned(build: Build, settings: Settings) -> dict[str, Any]:
    mocks = build(lambda: SupersetStack("superset", settings))
    resources = [{"type": r.type, "name": r.name, "inputs": r.inputs} for r in mocks if r.custom]
    return {"stack": settings.stack, "environment": settings.environment, "region": settings.region,
            "resources": resources}  # fmt: skip


def test_flows_are_the_security_group_rules_of_prod(build: Build) -> None:
    document = planned(build, make_settings("prod"))
    assert flows(document["resources"]) == {
        ("internet", "alb", 443), ("internet", "alb", 80), ("alb", "app", 8088), ("app", "database", 5432),
        ("app", "cache", 6379), ("app", "endpoints", 443), ("app", "s3", 443), ("app", "internet", 443),
    }  # fmt: skip


def test_dev_without_nat_has_no_path_to_the_internet(build: Build) -> None:
    document = planned(build, make_settings("dev"))
    assert {flow for flow in flows(document["resources"]) if flow[1] == "internet" or flow[0] == "app"} == {
        ("app", "database", 5432), ("app", "cache", 6379), ("app", "endpoints", 443), ("app", "s3", 443),
    }  # fmt: skip


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_picture_shows_every_zone_subnet_nat_and_endpoint_interface(build: Build, environment: str) -> None:
    settings = make_settings(environment)
    document = planned(build, settings)
    root = ET.fromstring(svg(document))
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    for zone, public, private in zip(
        settings.availability_zones, settings.public_subnet_cidrs, settings.private_subnet_cidrs, strict=True
    ):
        assert f"{zone} public {public}" in texts
        assert f"{zone} private {private}" in texts
    nats = sum(r["type"] == "aws:ec2/natGateway:NatGateway" for r in document["resources"])
    assert texts.count("NAT gateway") == nats
    endpoint_zones = len(settings.availability_zones) if settings.vpc_endpoints_all_zones else 1
    assert texts.count("interface endpoints") == (endpoint_zones if settings.vpc_endpoints else 0)
    # one arrow per pair of tiers a rule connects (internet->alb carries both 443 and 80)
    pairs = {(source, target) for source, target, _port in flows(document["resources"])}
    assert len(list(root.iter(f"{SVG}line"))) == len(pairs)
    assert f"VPC {settings.vpc_cidr}" in texts


def test_the_same_plan_draws_the_same_picture(build: Build) -> None:
    document = planned(build, make_settings("staging"))
    assert svg(document) == svg(document)
    assert svg(document) == svg({**document, "resources": list(reversed(document["resources"]))})


def texts_of(picture: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(picture).iter(f"{SVG}text")]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_tiers_show_the_sizes_and_levers_the_plan_declares(build: Build, environment: str) -> None:
    s = make_settings(environment)
    texts = texts_of(svg(planned(build, s)))
    web = f"web {s.web_min_tasks}" + (f"-{s.web_max_tasks}" if s.web_max_tasks > s.web_min_tasks else "")
    levers = (" · Spot" if s.fargate_spot else "") + (" · office hours" if s.office_hours else "")
    assert f"{web}, worker {s.worker_tasks}, beat 1 tasks · {s.cpu_architecture}{levers}" in texts
    assert f"{s.db_instance_class} · {'Multi-AZ standby' if s.db_multi_az else 'single-AZ'}" in texts
    failover = " · failover" if s.cache_node_count > 1 else ""
    assert f"{s.cache_node_type} x {s.cache_node_count}{failover}" in texts
    listeners = "80, 443" if s.http_to_https_redirect else "443"
    assert f"listeners {listeners}{' · WAF' if s.waf_enabled else ''}" in texts


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_arrows_into_the_vpc_run_in_the_gap_between_the_first_two_zones(
    build: Build, environment: str
) -> None:
    root = ET.fromstring(svg(planned(build, make_settings(environment))))
    public = sorted(
        (float(rect.get("x", 0)), float(rect.get("width", 0)))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("fill") == COLOURS["subnet_public"]
    )
    (first_x, first_width), (second_x, _width) = public[:2]
    vertical = [line for line in root.iter(f"{SVG}line") if line.get("x1") == line.get("x2")]
    in_gap = [line for line in vertical if first_x + first_width < float(line.get("x1", 0)) < second_x]
    # internet -> load balancer and load balancer -> tasks
    assert len(in_gap) == 2
