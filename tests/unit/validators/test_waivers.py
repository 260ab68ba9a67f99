"""Production rules: refused in prod unless a dated, reasoned waiver covers them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from superset_stack.settings import NatGateways, Waiver
from superset_stack.validators import Problem
from superset_stack.validators.waivers import PROD_RULES, validate_production_rules
from tests.conftest import make_settings

PROD = make_settings("prod")


def waiver_hint(key: str) -> str:
    return f"to accept the risk add a waiver '{key} until YYYY-MM-DD: <reason>' to waivers"


def test_prod_without_multi_az_deletion_protection_or_backups() -> None:
    settings = replace(PROD, db_multi_az=False, db_deletion_protection=False, db_backup_retention_days=1)
    assert validate_production_rules(settings) == [
        Problem(
            "dbMultiAz",
            "prod requires dbMultiAz true (a standby in another zone); to accept the risk add a waiver "
            "'dbMultiAz until YYYY-MM-DD: <reason>' to waivers",
        ),
        Problem(
            "dbDeletionProtection",
            "prod requires dbDeletionProtection true; to accept the risk add a waiver "
            "'dbDeletionProtection until YYYY-MM-DD: <reason>' to waivers",
        ),
        Problem(
            "dbBackupRetentionDays",
            "prod requires dbBackupRetentionDays of at least 7; to accept the risk add a waiver "
            "'dbBackupRetentionDays until YYYY-MM-DD: <reason>' to waivers",
        ),
    ]


def test_prod_with_a_single_nat_or_cache_node() -> None:
    settings = replace(PROD, nat_gateways=NatGateways.SINGLE, cache_node_count=1, web_min_tasks=1)
    assert validate_production_rules(settings) == [
        Problem("cacheNodeCount", f"{PROD_RULES['cacheNodeCount']}; {waiver_hint('cacheNodeCount')}"),
        Problem("webMinTasks", f"{PROD_RULES['webMinTasks']}; {waiver_hint('webMinTasks')}"),
        Problem("natGateways", f"{PROD_RULES['natGateways']}; {waiver_hint('natGateways')}"),
    ]


def test_prod_refuses_the_cost_levers_of_dev() -> None:
    settings = replace(
        PROD,
        cpu_architecture="X86_64",
        fargate_spot=True,
        office_hours="MON-FRI 07:00-19:00",
        vpc_endpoints_all_zones=False,
    )
    assert validate_production_rules(settings) == [
        Problem(
            "vpcEndpointsAllZones",
            "prod requires vpcEndpointsAllZones true (an endpoint in one zone fails with it); "
            "to accept the risk add a waiver 'vpcEndpointsAllZones until YYYY-MM-DD: <reason>' to waivers",
        ),
        Problem(
            "fargateSpot",
            "prod requires fargateSpot false (AWS may reclaim Spot tasks at two minutes' notice); "
            "to accept the risk add a waiver 'fargateSpot until YYYY-MM-DD: <reason>' to waivers",
        ),
        Problem(
            "officeHours",
            "prod requires officeHours empty (always on); "
            "to accept the risk add a waiver 'officeHours until YYYY-MM-DD: <reason>' to waivers",
        ),
    ]


def test_a_waiver_accepts_the_risk_of_its_rule_only() -> None:
    waiver = Waiver(key="dbMultiAz", expires=date(2027, 1, 31), reason="single-AZ pilot")
    settings = replace(PROD, db_multi_az=False, db_deletion_protection=False, waivers=(waiver,))
    assert [problem.key for problem in validate_production_rules(settings)] == ["dbDeletionProtection"]


def test_only_prod_has_production_rules() -> None:
    staging = make_settings("staging")
    assert validate_production_rules(replace(staging, db_multi_az=False, cache_node_count=1)) == []


def test_prod_alarms_must_reach_someone_unless_waived() -> None:
    assert validate_production_rules(replace(PROD, alarm_email="")) == [
        Problem(
            "alarmEmail",
            "prod requires alarmEmail (without it the alarm topic reaches nobody); "
            "to accept the risk add a waiver 'alarmEmail until YYYY-MM-DD: <reason>' to waivers",
        )
    ]
    waiver = Waiver(key="alarmEmail", expires=date(2027, 1, 31), reason="PagerDuty subscribes to the topic")
    assert validate_production_rules(replace(PROD, alarm_email="", waivers=(waiver,))) == []
    assert validate_production_rules(replace(make_settings("staging"), alarm_email="")) == []
