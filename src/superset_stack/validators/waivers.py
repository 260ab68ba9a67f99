"""Production rules: what a prod stack must be, unless a dated, reasoned waiver accepts the risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings

# Production rules that only a dated, reasoned waiver may relax: key -> what it requires.
PROD_RULES: dict[str, str] = {
    "dbMultiAz": "prod requires dbMultiAz true (a standby in another zone)",
    "dbDeletionProtection": "prod requires dbDeletionProtection true",
    "dbBackupRetentionDays": "prod requires dbBackupRetentionDays of at least 7",
    "cacheNodeCount": "prod requires cacheNodeCount of at least 2 (automatic failover)",
    "webMinTasks": "prod requires webMinTasks of at least 2 (one task per zone survives an AZ loss)",
    "natGateways": "prod requires natGateways one_per_az or none (a single NAT is a single point of failure)",
    "vpcEndpointsAllZones": "prod requires vpcEndpointsAllZones true (an endpoint in one zone fails with it)",
    "fargateSpot": "prod requires fargateSpot false (AWS may reclaim Spot tasks at two minutes' notice)",
    "officeHours": "prod requires officeHours empty (always on)",
    "alarmEmail": "prod requires alarmEmail (without it the alarm topic reaches nobody)",
}


def validate_production_rules(s: Settings) -> list[Problem]:
    """In prod, each rule of PROD_RULES the settings break and no waiver covers, in that order."""
    if s.environment != "prod":
        return []
    violated = {
        "dbMultiAz": not s.db_multi_az,
        "dbDeletionProtection": not s.db_deletion_protection,
        "dbBackupRetentionDays": s.db_backup_retention_days < 7,
        "cacheNodeCount": s.cache_node_count < 2,
        "webMinTasks": s.web_min_tasks < 2,
        "natGateways": s.nat_gateways == "single",  # a StrEnum member equals its config value
        "vpcEndpointsAllZones": s.vpc_endpoints and not s.vpc_endpoints_all_zones,
        "fargateSpot": s.fargate_spot,
        "officeHours": bool(s.office_hours),
        "alarmEmail": not s.alarm_email,
    }
    return [
        Problem(
            key,
            f"{PROD_RULES[key]}; to accept the risk add a waiver '{key} until YYYY-MM-DD: <reason>' "
            "to waivers",
        )
        for key, broken in violated.items()
        if broken and not s.waived(key)
    ]
