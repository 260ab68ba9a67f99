"""Policy rules: every preset complies; one mutation of a real recorded resource breaks each rule."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest

from superset_stack.aws.stack import SupersetStack
from superset_stack.plan.recording import RecordingMocks, install, run
from superset_stack.policies.engine import Context, Resource, evaluate
from superset_stack.policies.rules import RULES, STACK_RULES
from tests.conftest import make_settings


@cache
def recorded(environment: str) -> tuple[Resource, ...]:
    mocks = RecordingMocks(region="us-east-1")
    install(mocks, project="superset-stack", stack=environment)
    settings = make_settings(environment)
    run(lambda: SupersetStack("superset", settings), mocks)
    return tuple(Resource(r.type, r.name, r.inputs) for r in mocks if r.custom)


def test_rule_names_follow_the_convention_and_carry_ids() -> None:
    names = [rule.name for rule in [*RULES, *STACK_RULES]]
    assert len(names) == len(set(names))
    assert len(names) >= 45
    for rule in [*RULES, *STACK_RULES]:
        assert rule.name.startswith("aws-") and rule.name == rule.name.lower(), rule.name
        assert rule.ids and rule.description, rule.name


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_preset_has_no_mandatory_violation(environment: str) -> None:
    report = evaluate(recorded(environment), RULES, STACK_RULES, Context(environment))
    assert report.mandatory == []


def test_dev_has_no_violation_but_the_unreachable_warehouse() -> None:
    # the presets install the ClickHouse driver, and nothing opens its ports: the one advisory
    assert [
        (v.policy, v.resource, v.level, v.message)
        for v in evaluate(recorded("dev"), RULES, STACK_RULES, Context("dev")).violations
    ] == [
        (
            "aws-vpc-securitygroupegressrule-require-warehouse-destination", "superset-image", "advisory",
            "The image installs the clickhouse driver, but no egress rule opens 8443 or 9440 to its warehouse: add "
            "an egressDestinations entry (README: Opening a path to a warehouse).",
        )
    ]  # fmt: skip


def recorded_with(environment: str, **values: Any) -> tuple[Resource, ...]:
    mocks = RecordingMocks(region="us-east-1")
    install(mocks, project="superset-stack", stack=environment)
    settings = make_settings(environment, **values)
    run(lambda: SupersetStack("superset", settings), mocks)
    return tuple(Resource(r.type, r.name, r.inputs) for r in mocks if r.custom)


WAREHOUSE_RULE = tuple(
    rule
    for rule in STACK_RULES
    if rule.name == "aws-vpc-securitygroupegressrule-require-warehouse-destination"
)


class TestWarehouseDestinations:
    def messages(self, resources: tuple[Resource, ...]) -> list[str]:
        return [
            v.message.split(",")[0]
            for v in evaluate(resources, [], WAREHOUSE_RULE, Context("dev")).violations
        ]

    def test_a_destination_on_one_usual_port_is_enough(self) -> None:
        clickhouse = [{"description": "ClickHouse Cloud", "port": 9440, "cidr": "10.30.0.0/16"}]
        assert self.messages(recorded_with("dev", egressDestinations=clickhouse)) == []

    def test_every_selected_driver_is_checked_and_https_needs_a_way_out(self) -> None:
        # dev has no NAT gateway: HTTPS reaches only S3 and the AWS endpoints, not Snowflake
        drivers = ["clickhouse", "redshift", "snowflake"]
        redshift = [{"description": "Redshift", "port": 5439, "securityGroupId": "sg-0123abcd"}]
        assert self.messages(recorded_with("dev", warehouseDrivers=drivers, egressDestinations=redshift)) == [
            "The image installs the clickhouse driver",
            "The image installs the snowflake driver",
        ]
        # staging's NAT gateway lets HTTPS out: Snowflake and BigQuery are reachable
        assert self.messages(recorded_with("staging", warehouseDrivers=["snowflake", "bigquery"])) == []

    def test_a_prebuilt_image_names_no_drivers(self) -> None:
        image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/superset@sha256:" + "a" * 64
        assert self.messages(recorded_with("dev", imageUri=image)) == []


def first(environment: str, resource_type: str, name: str | None = None) -> Resource:
    return next(
        r for r in recorded(environment) if r.type == resource_type and (name is None or r.name == name)
    )


def mutated(resource: Resource, change: Any) -> Resource:
    inputs = copy.deepcopy(dict(resource.inputs))
    change(inputs)
    return Resource(resource.type, resource.name, inputs)


def _set(key: str, value: Any) -> Any:
    return lambda inputs: inputs.__setitem__(key, value)


def _drop(key: str) -> Any:
    return lambda inputs: inputs.pop(key, None)


def _container(key: str, value: Any) -> Any:
    def change(inputs: dict[str, Any]) -> None:
        containers = json.loads(inputs["containerDefinitions"])
        containers[0][key] = value
        inputs["containerDefinitions"] = json.dumps(containers)

    return change


def _policy(statement: dict[str, Any], key: str = "policy") -> Any:
    return lambda inputs: inputs.__setitem__(
        key, json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


T = "aws:"
CASES: list[tuple[str, str, str | None, Any, str]] = [
    ("aws-ec2-subnet-disallow-public-ip-on-launch", T + "ec2/subnet:Subnet", None, _set("mapPublicIpOnLaunch", True),
     "Subnets must not assign public IPs on launch."),
    ("aws-ec2-defaultsecuritygroup-disallow-rules", T + "ec2/defaultSecurityGroup:DefaultSecurityGroup", None,
     _set("ingress", [{"protocol": "-1"}]), "The default security group must have no rules."),
    ("aws-ec2-securitygroup-disallow-inline-rules", T + "ec2/securityGroup:SecurityGroup", None,
     _set("egress", [{"protocol": "-1"}]), "Use separate rule resources, not inline ingress or egress."),
    ("aws-ec2-securitygroup-require-description", T + "ec2/securityGroup:SecurityGroup", None, _drop("description"),
     "Security groups must have a description."),
    ("aws-vpc-securitygroupingressrule-require-description", T + "vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     None, _drop("description"), "Security group rules must have a description."),
    ("aws-vpc-securitygroupegressrule-require-description", T + "vpc/securityGroupEgressRule:SecurityGroupEgressRule",
     None, _drop("description"), "Security group rules must have a description."),
    ("aws-vpc-securitygroupingressrule-disallow-public-except-web", T + "vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     "superset-sg-alb-https-0", lambda i: i.update(fromPort=22, toPort=22),
     "Open ingress from the internet only on 443 (and 80 for the redirect), not port 22."),
    ("aws-vpc-securitygroupegressrule-disallow-public-all-ports", T + "vpc/securityGroupEgressRule:SecurityGroupEgressRule",
     "superset-sg-app-to-internet", lambda i: i.update(ipProtocol="-1"),
     "Security group egress to the internet must name a protocol and port."),
    ("aws-vpc-securitygroupegressrule-disallow-public-except-https",
     T + "vpc/securityGroupEgressRule:SecurityGroupEgressRule", "superset-sg-app-to-internet",
     lambda i: i.update(fromPort=5439.0, toPort=5439.0),
     "Egress to the whole internet only on TCP 443, not tcp 5439; name the destination's addresses instead."),
    ("aws-ec2-flowlog-require-all-traffic", T + "ec2/flowLog:FlowLog", None, _set("trafficType", "REJECT"),
     "VPC flow logs must capture ALL traffic."),
    ("aws-lb-loadbalancer-require-drop-invalid-headers", T + "lb/loadBalancer:LoadBalancer", None,
     _set("dropInvalidHeaderFields", False), "Load balancers must drop invalid header fields."),
    ("aws-lb-loadbalancer-require-desync-mitigation", T + "lb/loadBalancer:LoadBalancer", None,
     _set("desyncMitigationMode", "monitor"), "Load balancers must use defensive or strictest desync mitigation."),
    ("aws-lb-loadbalancer-require-access-logs", T + "lb/loadBalancer:LoadBalancer", None, _drop("accessLogs"),
     "Load balancers must write access logs."),
    ("aws-lb-loadbalancer-require-deletion-protection", T + "lb/loadBalancer:LoadBalancer", None,
     _set("enableDeletionProtection", False), "Production load balancers must have deletion protection."),
    ("aws-lb-listener-require-https", T + "lb/listener:Listener", "superset-alb-https",
     _set("sslPolicy", "ELBSecurityPolicy-TLS-1-2-2017-01"),
     "HTTPS listeners must use a TLS 1.3 security policy (ELBSecurityPolicy-TLS13-...)."),
    ("aws-lb-targetgroup-require-health-check", T + "lb/targetGroup:TargetGroup", None, _drop("healthCheck"),
     "Target groups must define an HTTP health check path."),
    ("aws-ecs-cluster-require-container-insights", T + "ecs/cluster:Cluster", None, _set("settings", []),
     "ECS clusters must enable Container Insights."),
    ("aws-ecs-service-disallow-public-ip", T + "ecs/service:Service", None,
     lambda i: i["networkConfiguration"].update(assignPublicIp=True), "ECS services must not assign public IPs."),
    ("aws-ecs-service-require-circuit-breaker-rollback", T + "ecs/service:Service", None,
     _set("deploymentCircuitBreaker", {"enable": True, "rollback": False}),
     "ECS services must enable the deployment circuit breaker with rollback."),
    ("aws-ecs-service-require-latest-platform", T + "ecs/service:Service", None, _set("platformVersion", "1.3.0"),
     "ECS services must run the LATEST Fargate platform version."),
    ("aws-ecs-taskdefinition-require-readonly-root", T + "ecs/taskDefinition:TaskDefinition", "superset-app-web",
     _container("readonlyRootFilesystem", False), "web: the root filesystem must be read-only"),
    ("aws-ecs-taskdefinition-disallow-secrets-in-environment", T + "ecs/taskDefinition:TaskDefinition", "superset-app-web",
     _container("environment", [{"name": "SUPERSET_SECRET_KEY", "value": "plain"}]),
     "web: SUPERSET_SECRET_KEY looks like a secret; pass it through `secrets`, not `environment`."),
    ("aws-ecs-taskdefinition-require-verified-warehouse-tls", T + "ecs/taskDefinition:TaskDefinition",
     "superset-app-web", _container("environment", [{"name": "WAREHOUSE_CONNECTIONS", "value": json.dumps(
         {"connections": [{"name": "Orders", "tls": "verify-full"}, {"name": "Shop", "tls": "require"},
                          {"name": "Events", "tls": "disable"}, {"name": "Lake"}]})}]),
     "web: warehouse connections Shop (tls require), Events (tls disable) do not verify the server (disable: nor "
     "encrypt), so the password and the data may reach an impostor; use tls verify-full (README: Warehouse "
     "connections)."),
    ("aws-ecs-taskdefinition-disallow-privileged", T + "ecs/taskDefinition:TaskDefinition", "superset-app-web",
     _container("privileged", True), "web: must not be privileged"),
    ("aws-ecs-taskdefinition-require-logging", T + "ecs/taskDefinition:TaskDefinition", "superset-app-web",
     _container("logConfiguration", None), "web: must have a log configuration"),
    ("aws-ecs-taskdefinition-require-non-root-user", T + "ecs/taskDefinition:TaskDefinition", "superset-app-web",
     _container("user", "root"), "web: must run as a non-root user"),
    ("aws-ecr-repository-require-immutable-tags", T + "ecr/repository:Repository", None,
     _set("imageTagMutability", "MUTABLE"), "ECR repositories must use immutable tags."),
    ("aws-ecr-repository-require-scan-on-push", T + "ecr/repository:Repository", None,
     _set("imageScanningConfiguration", {"scanOnPush": False}), "ECR repositories must scan images on push."),
    ("aws-ecr-repository-require-kms", T + "ecr/repository:Repository", None,
     _set("encryptionConfigurations", [{"encryptionType": "AES256"}]), "ECR repositories must be encrypted with KMS."),
    ("aws-kms-key-require-rotation", T + "kms/key:Key", None, _set("enableKeyRotation", False), "KMS keys must rotate."),
    ("aws-kms-key-require-explicit-policy", T + "kms/key:Key", None, _drop("policy"),
     "KMS keys must have an explicit key policy."),
    ("aws-kms-key-disallow-public-principal", T + "kms/key:Key", None,
     _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}),
     "KMS key policies must not allow every principal."),
    ("aws-kms-key-disallow-lockout-bypass", T + "kms/key:Key", None, _set("bypassPolicyLockoutSafetyCheck", True),
     "KMS keys must not bypass the policy lockout safety check."),
    ("aws-secretsmanager-secret-require-cmk", T + "secretsmanager/secret:Secret", None, _drop("kmsKeyId"),
     "Secrets must be encrypted with a customer-managed key."),
    ("aws-rds-instance-disallow-public-access", T + "rds/instance:Instance", None, _set("publiclyAccessible", True),
     "RDS instances must not be publicly accessible."),
    ("aws-rds-instance-require-storage-encryption", T + "rds/instance:Instance", None, _set("storageEncrypted", False),
     "RDS storage must be encrypted with a customer-managed key."),
    ("aws-rds-instance-require-multi-az", T + "rds/instance:Instance", None, _set("multiAz", False),
     "Production RDS instances must be Multi-AZ."),
    ("aws-rds-instance-require-deletion-protection", T + "rds/instance:Instance", None,
     _set("deletionProtection", False), "Production RDS instances must have deletion protection."),
    ("aws-rds-instance-require-final-snapshot", T + "rds/instance:Instance", None, _set("skipFinalSnapshot", True),
     "RDS instances must take a final snapshot."),
    ("aws-rds-instance-require-backups", T + "rds/instance:Instance", None, _set("backupRetentionPeriod", 3),
     "RDS backups must be kept at least 7 days."),
    ("aws-rds-instance-require-copy-tags-to-snapshot", T + "rds/instance:Instance", None,
     _set("copyTagsToSnapshot", False), "RDS instances must copy tags to snapshots."),
    ("aws-rds-instance-require-log-exports", T + "rds/instance:Instance", None,
     _set("enabledCloudwatchLogsExports", ["upgrade"]), "RDS instances must export the postgresql log."),
    ("aws-rds-instance-require-auto-minor-upgrade", T + "rds/instance:Instance", None,
     _set("autoMinorVersionUpgrade", False), "RDS instances must allow automatic minor version upgrades."),
    ("aws-rds-parametergroup-require-force-ssl", T + "rds/parameterGroup:ParameterGroup", None, _set("parameters", []),
     "PostgreSQL parameter groups must set rds.force_ssl = 1."),
    ("aws-elasticache-replicationgroup-require-at-rest-encryption", T + "elasticache/replicationGroup:ReplicationGroup",
     None, _set("atRestEncryptionEnabled", False), "ElastiCache must encrypt data at rest."),
    ("aws-elasticache-replicationgroup-require-tls", T + "elasticache/replicationGroup:ReplicationGroup", None,
     _set("transitEncryptionMode", "preferred"), "ElastiCache must require TLS in transit."),
    ("aws-elasticache-replicationgroup-require-auth", T + "elasticache/replicationGroup:ReplicationGroup", None,
     _drop("authToken"), "ElastiCache must require AUTH (a token or RBAC user groups)."),
    ("aws-elasticache-replicationgroup-require-failover", T + "elasticache/replicationGroup:ReplicationGroup", None,
     _set("automaticFailoverEnabled", False), "Production ElastiCache must fail over automatically across zones."),
    ("aws-elasticache-replicationgroup-require-snapshots", T + "elasticache/replicationGroup:ReplicationGroup", None,
     _set("snapshotRetentionLimit", 0), "ElastiCache must keep snapshots."),
    ("aws-s3-bucketpublicaccessblock-require-all-flags", T + "s3/bucketPublicAccessBlock:BucketPublicAccessBlock", None,
     _set("restrictPublicBuckets", False), "S3 public access blocks must set all four flags."),
    ("aws-s3-bucketownershipcontrols-require-bucket-owner-enforced", T + "s3/bucketOwnershipControls:BucketOwnershipControls",
     None, _set("rule", {"objectOwnership": "ObjectWriter"}), "S3 buckets must disable ACLs (BucketOwnerEnforced)."),
    ("aws-s3-bucket-disallow-force-destroy", T + "s3/bucket:Bucket", None, _set("forceDestroy", True),
     "S3 buckets must not be force-destroyed."),
    ("aws-cloudwatch-loggroup-require-retention", T + "cloudwatch/logGroup:LogGroup", None, _drop("retentionInDays"),
     "Log groups must have a retention period."),
    ("aws-cloudwatch-loggroup-require-kms", T + "cloudwatch/logGroup:LogGroup", None, _drop("kmsKeyId"),
     "Log groups must be encrypted with KMS."),
    ("aws-cloudwatch-loggroup-require-year-retention", T + "cloudwatch/logGroup:LogGroup", None,
     _set("retentionInDays", 30), "Production log groups must keep logs for at least 365 days."),
    ("aws-cloudwatch-metricalarm-require-actions", T + "cloudwatch/metricAlarm:MetricAlarm", None, _set("alarmActions", []),
     "Alarms must have actions."),
    ("aws-iam-rolepolicy-require-least-privilege", T + "iam/rolePolicy:RolePolicy", "superset-app-task",
     _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), "IAM policies must name actions, not ['s3:*']."),
    ("aws-iam-role-require-scoped-trust", T + "iam/role:Role", None,
     _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}, key="assumeRolePolicy"),
     "Role trust policies must name their principals."),
    ("aws-iam-role-require-confused-deputy-conditions", T + "iam/role:Role", "superset-app-execution",
     _policy({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"},
             key="assumeRolePolicy"),
     "Roles that AWS services assume must require aws:SourceAccount."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "resource_type", "name", "change", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_one_mutation_breaks_the_rule(
    policy: str, resource_type: str, name: str | None, change: Any, message: str
) -> None:
    resource = mutated(first("prod", resource_type, name), change)
    (rule,) = [rule for rule in RULES if rule.name == policy]
    assert evaluate([first("prod", resource_type, name)], [rule], context=Context("prod")).violations == []
    (violation,) = evaluate([resource], [rule], context=Context("prod")).violations
    assert (violation.policy, violation.resource, violation.message) == (policy, resource.name, message)


def test_every_rule_has_a_mutation_case() -> None:
    assert {case[0] for case in CASES} == {rule.name for rule in RULES}


def test_unscopable_actions_may_use_a_wildcard_resource() -> None:
    execution = first("prod", "aws:iam/rolePolicy:RolePolicy", "superset-app-execution")
    assert "ecr:GetAuthorizationToken" in execution.inputs["policy"]
    assert evaluate([execution], RULES).violations == []


def test_stack_rules_find_a_bucket_without_controls() -> None:
    resources = [*recorded("prod"), Resource("aws:s3/bucket:Bucket", "stray", {"forceDestroy": False})]
    report = evaluate(resources, [], STACK_RULES, Context("prod"))
    assert [(v.policy, v.resource, v.message) for v in report.mandatory] == [
        ("aws-s3-bucket-require-public-access-block", "stray", "S3 buckets must have a public access block."),
        ("aws-s3-bucket-require-tls-only-policy", "stray", "S3 buckets must deny requests without TLS."),
    ]


BOUNDARY = "arn:aws:iam::123456789012:policy/ci-role-boundary-0a1b2c3"
BOUNDARY_RULE = [rule for rule in STACK_RULES if rule.name == "aws-iam-role-require-permissions-boundary"]


def test_a_role_without_the_boundary_the_stack_gives_its_other_roles_is_advised() -> None:
    bounded = recorded_with("prod", roleBoundaryArn=BOUNDARY)
    assert evaluate(bounded, [], BOUNDARY_RULE).violations == []
    assert evaluate(recorded("prod"), [], BOUNDARY_RULE).violations == []  # no boundary anywhere: quiet
    stray = Resource("aws:iam/role:Role", "superset-stray", {"assumeRolePolicy": "{}"})
    report = evaluate([*bounded, stray], [], BOUNDARY_RULE)
    assert [(v.policy, v.resource, v.level, v.message) for v in report.violations] == [
        ("aws-iam-role-require-permissions-boundary", "superset-stray", "advisory",
         "IAM roles must carry the stack's permissions boundary (roleBoundaryArn) like its other roles."),
    ]  # fmt: skip


def test_production_only_rules_stay_quiet_in_dev() -> None:
    single_az = mutated(first("prod", "aws:rds/instance:Instance"), _set("multiAz", False))
    (rule,) = [r for r in RULES if r.name == "aws-rds-instance-require-multi-az"]
    assert evaluate([single_az], [rule], context=Context("dev")).violations == []


def test_open_egress_on_other_protocols_and_ranges() -> None:
    (rule,) = [r for r in RULES if r.name == "aws-vpc-securitygroupegressrule-disallow-public-except-https"]
    internet = first(
        "prod", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "superset-sg-app-to-internet"
    )
    ipv6 = mutated(internet, lambda i: i.update(cidrIpv4=None, cidrIpv6="::/0", fromPort=25.0, toPort=587.0))
    udp = mutated(internet, lambda i: i.update(ipProtocol="udp"))
    every = mutated(internet, lambda i: i.update(ipProtocol="-1"))  # the all-ports rule reports this one
    assert [v.message for v in evaluate([ipv6, udp, every], [rule]).violations] == [
        "Egress to the whole internet only on TCP 443, not tcp 25-587; name the destination's addresses instead.",
        "Egress to the whole internet only on TCP 443, not udp 443; name the destination's addresses instead.",
    ]


def _trust(condition: dict[str, Any], service: str) -> Resource:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }
    return Resource("aws:iam/role:Role", "r", {"assumeRolePolicy": json.dumps({"Statement": [statement]})})


ACCOUNT = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
SOURCE = {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}}


@pytest.mark.parametrize(
    ("service", "condition", "message"),
    [("ecs-tasks.amazonaws.com", {**ACCOUNT, **SOURCE}, None),
     ("ecs-tasks.amazonaws.com", ACCOUNT, "Roles that ecs-tasks.amazonaws.com assumes must require aws:SourceArn."),
     ("ecs-tasks.amazonaws.com", SOURCE, "Roles that AWS services assume must require aws:SourceAccount."),
     ("scheduler.amazonaws.com", {**ACCOUNT, "ArnEquals": {"aws:SourceArn": "arn:aws:scheduler:x"}}, None),
     # AWS Backup documents no aws:SourceArn for its role: the account is all it can carry
     ("backup.amazonaws.com", ACCOUNT, None),
     ("backup.amazonaws.com", {}, "Roles that AWS services assume must require aws:SourceAccount.")],
)  # fmt: skip
def test_service_roles_carry_the_confused_deputy_conditions(
    service: str, condition: dict[str, Any], message: str | None
) -> None:
    (rule,) = [r for r in RULES if r.name == "aws-iam-role-require-confused-deputy-conditions"]
    report = evaluate([_trust(condition, service)], [rule])
    assert [v.message for v in report.violations] == ([message] if message else [])


def test_every_recorded_service_role_names_its_service_and_account() -> None:
    roles = [r for r in recorded("prod") if r.type == "aws:iam/role:Role"]
    services = {
        json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]["Service"] for r in roles
    }
    assert services == {"ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com",
                        "backup.amazonaws.com"}  # fmt: skip
    (rule,) = [r for r in RULES if r.name == "aws-iam-role-require-confused-deputy-conditions"]
    assert evaluate(roles, [rule]).violations == []
