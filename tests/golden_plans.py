"""Golden plans: the canonical plan JSON of every example stack, preset and option variant.

A refactor must leave every one of them byte-identical; a change that means to alter the plan
rewrites them (`python -m tests.golden_plans --update`) and the diff shows what changed in review.
Run without arguments to compare and list the stacks whose plan differs.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "plans"
REQUIRED = {
    "owner": "data-platform",
    "costCenter": "analytics",
    "domainName": "superset.example.com",
    "hostedZoneId": "Z0123456789EXAMPLE",
}
# name -> (stack name, region, config beyond REQUIRED): every branch a component can take.
VARIANTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "preset-dev": ("dev", "us-east-1", {}),
    "preset-staging": ("staging", "us-east-1", {}),
    "preset-prod": ("prod", "us-east-1", {"alarmEmail": "oncall@example.com"}),
    "dev-always-on-nat-arm": (
        "dev",
        "us-east-1",
        {
            "officeHours": "",
            "fargateSpot": False,
            "cpuArchitecture": "ARM64",
            "natGateways": "single",
            "vpcEndpoints": False,
            "warehouseDrivers": ["snowflake", "bigquery", "redshift"],
        },
    ),
    "staging-imported-cert-rotation": (
        "staging",
        "ap-southeast-2",
        {
            "hostedZoneId": "",
            "certificateArn": "arn:aws:acm:ap-southeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
            "previousSecretKeySecretArn": "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:old-key-AbCdEf",
            "alarmEmail": "oncall@example.com",
            "backupCopyRegion": "ap-southeast-1",
            "imageUri": "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/superset@sha256:" + "a" * 64,
            "wafEnabled": True,
            "httpToHttpsRedirect": False,
            "albIngressCidrs": ["10.0.0.0/8", "192.168.0.0/16"],
            "roleBoundaryArn": "arn:aws:iam::123456789012:policy/ci-role-boundary-0a1b2c3",
        },
    ),
    "staging-reports-tls-slack": (
        "staging",
        "us-east-1",
        {
            "smtpHost": "smtp.example.com",
            "smtpPort": 465,
            "smtpSecurity": "tls",
            "smtpMailFrom": "superset@example.com",
            "slackTokenSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/slack-AbCdEf",
            "thumbnails": True,
            "cacheWarmupCron": "0 6 * * 1-5",
            "cacheWarmupTopDashboards": 20,
            "egressDestinations": [
                {"description": "Company mail relay", "port": 465, "cidr": "10.30.0.25/32"}
            ],
        },
    ),
    "staging-egress-in-place-rollouts": (
        "staging",
        "us-east-1",
        {
            "warehouseDrivers": ["clickhouse", "redshift"],
            "egressDestinations": [
                {"description": "Redshift analytics cluster", "port": 5439, "cidr": "10.20.0.0/16"},
                {
                    "description": "ClickHouse Cloud (HTTPS and native TLS)",
                    "fromPort": 8443,
                    "toPort": 9440,
                    "prefixListId": "pl-0123456789abcdef0",
                },
                {"description": "Corporate LDAP", "port": 636, "securityGroupId": "sg-0123456789abcdef0"},
            ],
            "webDeploymentMaximumPercent": 100,
            "workerDeploymentMaximumPercent": 100,
        },
    ),
    "staging-oidc-cognito": (
        "staging",
        "eu-west-1",
        {
            "authType": "oidc",
            "oidcIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
            "oidcClientId": "1example23456789abcdefghij",
            "oidcClientSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:superset/oidc-client-Ab12Cd",
            "oidcGroupsClaim": "cognito:groups",
            "authRolesMapping": [
                {"group": "superset-admins", "roles": "Admin"},
                {"group": "analysts", "roles": "Alpha, sql_lab"},
            ],
            "authDefaultRole": "Gamma",
        },
    ),
    "prod-ldap-directory": (
        "prod",
        "us-east-1",
        {
            "authRolesMapping": [
                {"group": "cn=superset-admins,ou=groups,dc=corp,dc=example,dc=com", "roles": "Admin"},
                {"group": "cn=analysts,ou=groups,dc=corp,dc=example,dc=com", "roles": "Alpha"},
            ],
            "egressDestinations": [
                {"description": "Corporate LDAP (ldaps)", "port": 636, "cidr": "10.40.0.0/24"}
            ],
            "authType": "ldap",
            "ldapServerUrl": "ldaps://ldap.corp.example.com",
            "ldapUserSearchBase": "ou=people,dc=corp,dc=example,dc=com",
            "ldapBindDn": "cn=superset,ou=services,dc=corp,dc=example,dc=com",
            "ldapBindPasswordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/ldap-bind-Ef34Gh",
            "ldapUidField": "sAMAccountName",
            "alarmEmail": "oncall@example.com",
        },
    ),
    "prod-office-hours-waived": (
        "prod",
        "us-east-1",
        {
            "officeHours": "MON-FRI 08:00-18:00",
            "officeHoursTimezone": "Europe/Berlin",
            "natGateways": "none",
            "vpcEndpointsAllZones": False,
            "dbMonitoringIntervalSeconds": 0,
            "dbPerformanceInsights": False,
            "cacheNodeCount": 3,
            "waivers": [
                "officeHours until 2099-01-01: a pilot",
                "vpcEndpointsAllZones until 2099-01-01: a pilot",
                "alarmEmail until 2099-01-01: a pilot, the team watches the dashboard",
            ],
        },
    ),
    # one warehouse connection per engine: drivers, egress rules, migration-only secrets, Athena grants
    "prod-warehouse-connections": (
        "prod",
        "us-east-1",
        {
            "alarmEmail": "oncall@example.com",
            "warehouseDrivers": [],
            "warehouseConnections": [
                {
                    "name": "Orders",
                    "engine": "postgresql",
                    "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com",
                    "database": "orders",
                    "username": "superset_reader",
                    "passwordSecretKey": "password",
                    "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf",
                    "securityGroupId": "sg-0123456789abcdef0",
                },
                {
                    "name": "Sales",
                    "engine": "redshift",
                    "host": "analytics.abc123.us-east-1.redshift.amazonaws.com",
                    "database": "sales",
                    "username": "superset_reader",
                    "allowRunAsync": True,
                    "cidr": "10.20.0.0/16",
                    "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf",
                },
                {
                    "name": "Shop",
                    "engine": "mysql",
                    "host": "shop.internal.example.com",
                    "database": "shop",
                    "username": "reporting",
                    "cidr": "10.30.0.0/16",
                    "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-AbCdEf",
                },
                {
                    "name": "Events",
                    "engine": "clickhouse",
                    "host": "abc123.eu-west-1.aws.clickhouse.cloud",
                    "username": "default",
                    "prefixListId": "pl-0123456789abcdef0",
                    "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:clickhouse-AbCdEf",
                },
                {
                    "name": "Finance",
                    "engine": "snowflake",
                    "account": "xy12345.us-east-1",
                    "warehouse": "REPORTING",
                    "database": "FINANCE",
                    "username": "SUPERSET",
                    "cacheTimeoutSeconds": 600,
                    "passwordSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake-AbCdEf",
                },
                {
                    "name": "Marketing",
                    "engine": "bigquery",
                    "project": "marketing-prod-123",
                    "serviceAccountKeySecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bq-AbCdEf",
                },
                {
                    "name": "Lake",
                    "engine": "athena",
                    "workgroup": "analysts",
                    "database": "sales_lake",
                    "s3OutputLocation": "s3://athena-results-123/superset/",
                    "dataLocations": ["s3://lake-123/sales/"],
                },
            ],
            "removedWarehouseConnections": ["Legacy"],
        },
    ),
}


def variant_files(directory: Path) -> dict[str, Path]:
    """Stack files for the repository's example stacks and every variant, written into directory."""
    files = {f"example-{env}": ROOT / f"Pulumi.{env}.yaml" for env in ("dev", "staging", "prod")}
    for name, (stack, region, extra) in VARIANTS.items():
        config = {"aws:region": region} | {f"superset-stack:{k}": v for k, v in (REQUIRED | extra).items()}
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"Pulumi.{stack}.yaml"
        path.write_text(yaml.safe_dump({"config": config}, sort_keys=True))
        files[name] = path
    return files


def canonical(document: dict[str, Any]) -> str:
    """The plan JSON with every list in a stable order, so only content differences show."""
    copy = dict(document)
    copy["resources"] = sorted(document["resources"], key=lambda r: (r["type"], r["name"]))
    copy["policies"] = {
        "violations": sorted(document["policies"]["violations"], key=lambda v: json.dumps(v, sort_keys=True))
    }
    cost = dict(document["cost"])
    cost["lines"] = sorted(cost["lines"], key=lambda line: json.dumps(line, sort_keys=True))
    copy["cost"] = cost
    return json.dumps(copy, indent=1, sort_keys=True, default=str) + "\n"


def render_all() -> dict[str, str]:
    from superset_stack.plan.offline import plan_stack_file

    with tempfile.TemporaryDirectory() as scratch:
        return {
            name: canonical(plan_stack_file(path).document)
            for name, path in variant_files(Path(scratch)).items()
        }


def main(argv: list[str]) -> int:
    rendered = render_all()
    if "--update" in argv:
        GOLDEN.mkdir(exist_ok=True)
        for name, text in rendered.items():
            (GOLDEN / f"{name}.json").write_text(text)
        print(f"wrote {len(rendered)} golden plans to {GOLDEN}")
        return 0
    differ = [
        name
        for name, text in rendered.items()
        if not (GOLDEN / f"{name}.json").exists() or (GOLDEN / f"{name}.json").read_text() != text
    ]
    print("identical" if not differ else f"differ: {', '.join(differ)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
