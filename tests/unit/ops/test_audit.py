"""The audit: tagged resources (moto's Tagging API) against the offline plan of the dev stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from superset_stack.ops.audit import ARN_TYPES, UNMATCHABLE, Found, audit, parse_arn, tagged_resources
from superset_stack.ops.session import Aws
from superset_stack.plan.offline import plan_stack_file
from tests.unit.ops.conftest import Deployed

STACK_FILE = Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (ARN.format("rds", "db:superset-dev-metadata"), ("rds:db", "superset-dev-metadata")),
        (ARN.format("rds", "snapshot:rds:superset-dev-metadata-2026-11-30-03-10"),
         ("rds:snapshot", "rds:superset-dev-metadata-2026-11-30-03-10")),
        (ARN.format("logs", "log-group:/superset/dev/web"), ("logs:log-group", "/superset/dev/web")),
        (ARN.format("logs", "log-group:/superset/dev/web:*"), ("logs:log-group", "/superset/dev/web")),
        (ARN.format("secretsmanager", "secret:superset-dev/secret-key-20261130-AbCdEf"),
         ("secretsmanager:secret", "superset-dev/secret-key-20261130")),
        (ARN.format("ecs", "service/superset-app-1a2b3c4/superset-app-web-5d6e7f8"), ("ecs:service", "superset-app-web-5d6e7f8")),
        (ARN.format("ecs", "task-definition/superset-dev-web:12"), ("ecs:task-definition", "superset-dev-web")),
        (ARN.format("elasticloadbalancing", "loadbalancer/app/superset-alb-1a2b3c4/50dc6c495c0c9188"),
         ("elasticloadbalancing:loadbalancer", "superset-alb-1a2b3c4")),
        (ARN.format("elasticloadbalancing", "targetgroup/superset-alb-web-1a2b3c4/73e2d6bc24d8a067"),
         ("elasticloadbalancing:targetgroup", "superset-alb-web-1a2b3c4")),
        (ARN.format("wafv2", "regional/webacl/superset-waf-1a2b3c4/a1b2c3d4"), ("wafv2:regional", "superset-waf-1a2b3c4")),
        (ARN.format("elasticache", "replicationgroup:superset-cache-1a2b3c4"),
         ("elasticache:replicationgroup", "superset-cache-1a2b3c4")),
        (ARN.format("backup", "backup-vault:superset-backup-1a2b3c4"), ("backup:backup-vault", "superset-backup-1a2b3c4")),
        (ARN.format("ec2", "security-group-rule/sgr-0123"), ("ec2:security-group-rule", "sgr-0123")),
        ("arn:aws:s3:::superset-storage-1a2b3c4", ("s3:bucket", "superset-storage-1a2b3c4")),
        (ARN.format("sns", "superset-ops-alarms-1a2b3c4"), ("sns:topic", "superset-ops-alarms-1a2b3c4")),
        (ARN.format("events", "rule/superset-dev-metadata-events"), ("events:rule", "superset-dev-metadata-events")),
    ],
)  # fmt: skip
def test_arns_give_their_type_and_name(arn: str, expected: tuple[str, str]) -> None:
    assert parse_arn(arn) == expected


@pytest.fixture(scope="module")
def dev_plan() -> dict[str, Any]:
    return plan_stack_file(STACK_FILE).document


def test_every_planned_type_is_mapped_or_explained(dev_plan: dict[str, Any]) -> None:
    kinds = {resource["type"] for resource in dev_plan["resources"]}
    kinds |= {
        resource["type"]
        for resource in plan_stack_file(STACK_FILE.with_name("Pulumi.prod.yaml")).document["resources"]
    }
    assert kinds - set(ARN_TYPES) - set(UNMATCHABLE) == set()
    assert set(ARN_TYPES) & set(UNMATCHABLE) == set()


def test_the_audit_sorts_what_carries_the_stacks_tags(
    aws: Aws, deployed: Deployed, dev_plan: dict[str, Any]
) -> None:
    names = deployed.names
    tags = [{"Key": key, "Value": value} for key, value in names.tags.items()]
    aws.client("logs").create_log_group(logGroupName="/superset/dev/old-exports", tags=dict(names.tags))
    rds = aws.client("rds")
    rds.create_db_snapshot(
        DBSnapshotIdentifier="someones-copy", DBInstanceIdentifier="superset-dev-metadata", Tags=tags
    )
    rds.create_db_snapshot(DBSnapshotIdentifier="superset-dev-manual-20261130-090000",
                           DBInstanceIdentifier="superset-dev-metadata", Tags=names.tool_tags("manual"))  # fmt: skip
    (vpc,) = [item["VpcId"] for item in aws.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": ["superset-network"]}])["Vpcs"]]  # fmt: skip

    result = audit(dev_plan, tagged_resources(aws.client("resourcegroupstaggingapi"), names))

    snapshot = "arn:aws:rds:us-east-1:123456789012:snapshot:"
    assert sorted(item.arn for item in result.orphans) == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/superset/dev/old-exports",
        f"{snapshot}someones-copy",
    ]
    assert [item.arn for item in result.tool_made] == [f"{snapshot}superset-dev-manual-20261130-090000"]
    (automated,) = result.derived
    assert automated.arn.startswith(f"{snapshot}rds:superset-dev-metadata-")
    assert sorted((planned.type, planned.name, found.name) for planned, found in result.matched) == [
        ("aws:cloudwatch/logGroup:LogGroup", "superset-app-beat", "/superset/dev/beat"),
        ("aws:cloudwatch/logGroup:LogGroup", "superset-app-migration", "/superset/dev/migration"),
        ("aws:cloudwatch/logGroup:LogGroup", "superset-app-web", "/superset/dev/web"),
        ("aws:cloudwatch/logGroup:LogGroup", "superset-app-worker", "/superset/dev/worker"),
        ("aws:ec2/vpc:Vpc", "superset-network", vpc),  # by its Name tag
        ("aws:ecs/cluster:Cluster", "superset-app", "superset-app-1a2b3c4"),
        ("aws:ecs/service:Service", "superset-app-beat", "superset-app-beat-1a2b3c4"),
        ("aws:ecs/service:Service", "superset-app-web", "superset-app-web-1a2b3c4"),
        ("aws:ecs/service:Service", "superset-app-worker", "superset-app-worker-1a2b3c4"),
        ("aws:ecs/taskDefinition:TaskDefinition", "superset-app-beat", "superset-dev-beat"),
        ("aws:ecs/taskDefinition:TaskDefinition", "superset-app-migration", "superset-dev-migration"),
        ("aws:ecs/taskDefinition:TaskDefinition", "superset-app-web", "superset-dev-web"),
        ("aws:ecs/taskDefinition:TaskDefinition", "superset-app-worker", "superset-dev-worker"),
        ("aws:rds/instance:Instance", "superset-db", "superset-dev-metadata"),
        (
            "aws:secretsmanager/secret:Secret",
            "superset-secrets-secret-key",
            "superset-dev/secret-key-AbCdEf12",
        ),
    ]
    missing = {(item.type, item.name) for item in result.missing}
    assert ("aws:elasticache/replicationGroup:ReplicationGroup", "superset-cache") in missing
    assert ("aws:kms/key:Key", "superset-secrets") in missing  # counted: the key carries no tags here
    # moto's Tagging API leaves RDS subnet groups out (AWS lists them): missing here
    assert ("aws:rds/subnetGroup:SubnetGroup", "superset-db") in missing
    assert len(result.missing) + len(result.matched) == sum(
        r["type"] in ARN_TYPES for r in dev_plan["resources"]
    )
    assert result.not_checked["aws:iam/role:Role"] == (
        6,
        "IAM roles are taggable, but GetResources does not list them",
    )
    assert not result.clean


def test_a_stack_exactly_as_planned_is_clean() -> None:
    document = {"resources": [
        {"type": "aws:rds/instance:Instance", "name": "superset-db", "inputs": {"identifier": "superset-dev-metadata"}},
        {"type": "aws:kms/key:Key", "name": "superset-secrets", "inputs": {}},
        {"type": "aws:iam/role:Role", "name": "superset-app-task", "inputs": {}},
    ]}  # fmt: skip
    found = [Found(ARN.format("rds", "db:superset-dev-metadata"), "rds:db", "superset-dev-metadata"),
             Found(ARN.format("kms", "key/0d5e"), "kms:key", "0d5e")]  # fmt: skip
    result = audit(document, found)
    assert result.clean and len(result.matched) == 2
    assert result.facts() == {"matched": 2, "missing": [], "orphans": [], "made_by_day2_commands": [],
                              "made_by_aws": 0, "not_checked": {"aws:iam/role:Role": 1}}  # fmt: skip
    extra = audit(document, [*found, Found(ARN.format("kms", "key/9f9f"), "kms:key", "9f9f")])
    assert extra.sections()["Orphans: tagged as this stack, not in the plan"] == [
        "`arn:aws:kms:us-east-1:123456789012:key/9f9f` (counted: which one cannot be told)"
    ]


def test_only_this_stacks_resources_are_listed(aws: Aws, deployed: Deployed) -> None:
    aws.client("logs").create_log_group(logGroupName="/superset/staging/web",
                                        tags={**deployed.names.tags, "Stack": "staging"})  # fmt: skip
    arns = {item.arn for item in tagged_resources(aws.client("resourcegroupstaggingapi"), deployed.names)}
    assert "arn:aws:logs:us-east-1:123456789012:log-group:/superset/staging/web" not in arns
    assert "arn:aws:logs:us-east-1:123456789012:log-group:/superset/dev/web" in arns
