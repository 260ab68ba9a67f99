"""The checklist of ../shared/reference/security.md section 4, as rules on resource inputs.

Each rule is named aws-<service>-<resource>-<rule> and carries the IDs of the equivalent checks in
Checkov (CKV_*), Trivy (AVD-AWS-*), Security Hub (e.g. RDS.2), AWSGuard, cdk-nag, and the checklist
row (N1, E3, ...). All are mandatory unless marked advisory. Rules about production safety apply
to the prod preset only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from superset_stack.policies.engine import Context, Props, Resource, Rule, StackRule
from superset_stack.warehouses import WAREHOUSE_PORTS

Check = Callable[[Props, Context], str | None]

SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECR = "aws:ecr/repository:Repository"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
RDS = "aws:rds/instance:Instance"
RDS_PARAMETERS = "aws:rds/parameterGroup:ParameterGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
IMAGE = "docker-build:index:Image"

OPEN = ("0.0.0.0/0", "::/0")
HTTPS = 443
OPEN_EGRESS_POLICY = "aws-vpc-securitygroupegressrule-disallow-public-except-https"
WAREHOUSE_EGRESS_POLICY = "aws-vpc-securitygroupegressrule-require-warehouse-destination"
# In the names of the egress rules the settings' egressDestinations become (aws/security_groups.py).
DESTINATION_RULE_MARKER = "-destination-"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY", re.IGNORECASE)
# Actions IAM cannot scope to a resource; a wildcard resource is the only way to grant them.
UNSCOPABLE_ACTIONS = {"ecr:GetAuthorizationToken", "logs:DescribeLogGroups"}


# --- small check builders ----------------------------------------------------------------------


def equals(field: str, expected: Any, message: str) -> Check:
    return lambda props, _context: None if props.get(field) == expected else message


def present(field: str, message: str) -> Check:
    return lambda props, _context: None if props.get(field) else message


def not_true(field: str, message: str) -> Check:
    return lambda props, _context: message if props.get(field) is True else None


def in_production(check: Check) -> Check:
    return lambda props, context: check(props, context) if context.production else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _containers(props: Props) -> list[dict[str, Any]]:
    containers = _json(props.get("containerDefinitions")) or []
    return list(containers) if isinstance(containers, list) else []


def _statements(document: Any) -> list[dict[str, Any]]:
    statements = (_json(document) or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- network (N) ---------------------------------------------------------------------------------


def _public_ingress(props: Props, _context: Context) -> str | None:
    if props.get("cidrIpv4") in OPEN or props.get("cidrIpv6") in OPEN:
        port = props.get("fromPort")
        if props.get("ipProtocol") != "tcp" or port not in (443, 80) or props.get("toPort") != port:
            return f"Open ingress from the internet only on 443 (and 80 for the redirect), not port {port}."
    return None


def _wildcard_egress(props: Props, _context: Context) -> str | None:
    if (props.get("cidrIpv4") in OPEN or props.get("cidrIpv6") in OPEN) and props.get("ipProtocol") == "-1":
        return "Security group egress to the internet must name a protocol and port."
    return None


def _public_egress_except_https(props: Props, _context: Context) -> str | None:
    if props.get("cidrIpv4") not in OPEN and props.get("cidrIpv6") not in OPEN:
        return None
    protocol, first, last = props.get("ipProtocol"), props.get("fromPort"), props.get("toPort")
    if protocol == "-1" or (protocol == "tcp" and first == HTTPS and last == HTTPS):
        return None  # all protocols: the all-ports rule reports it
    return (
        f"Egress to the whole internet only on TCP 443, not {protocol} {_port_range(first, last)}; "
        "name the destination's addresses instead."
    )


def _port_range(first: Any, last: Any) -> str:
    def number(port: Any) -> str:
        return str(int(port)) if isinstance(port, int | float) else str(port)

    return number(first) if first == last else f"{number(first)}-{number(last)}"


def _covers(rule: Resource, port: int) -> bool:
    """Whether an egress rule lets TCP reach `port` somewhere outside the stack: to a CIDR (the
    internet through NAT, or a network given), or to one of the settings' egress destinations (a
    prefix list or security group). The stack's own rules to the data tier, S3 and the interface
    endpoints lead nowhere else."""
    props = rule.inputs
    outside = bool(props.get("cidrIpv4") or props.get("cidrIpv6")) or DESTINATION_RULE_MARKER in rule.name
    if not outside or props.get("ipProtocol") not in ("tcp", "-1"):
        return False
    if props.get("ipProtocol") == "-1":
        return True
    first, last = props.get("fromPort"), props.get("toPort")
    return isinstance(first, int | float) and isinstance(last, int | float) and first <= port <= last


def _warehouse_destinations(resources: Sequence[Resource], _context: Context) -> list[tuple[str, str]]:
    """Each driver the images install whose warehouse ports no egress rule opens, once (on the first
    image: the web and worker targets install the same drivers)."""
    rules = [resource for resource in resources if resource.type == EGRESS]
    found, checked = [], set()
    for image in (resource for resource in resources if resource.type == IMAGE):
        drivers = str((image.inputs.get("buildArgs") or {}).get("WAREHOUSE_DRIVERS", "")).split()
        for driver in (driver for driver in drivers if driver not in checked):
            checked.add(driver)
            ports = WAREHOUSE_PORTS.get(driver, ())
            if ports and not any(_covers(rule, port) for rule in rules for port in ports):
                found.append((
                    image.name,
                    f"The image installs the {driver} driver, but no egress rule opens "
                    f"{' or '.join(map(str, ports))} to its warehouse: add an egressDestinations entry "
                    "(README: Opening a path to a warehouse).",
                ))  # fmt: skip
    return found


def _no_inline_rules(props: Props, _context: Context) -> str | None:
    return (
        "Use separate rule resources, not inline ingress or egress."
        if props.get("ingress") or props.get("egress")
        else None
    )


NETWORK = [
    Rule(
        "aws-ec2-subnet-disallow-public-ip-on-launch",
        SUBNET,
        "Subnets do not hand out public IPs.",
        ("AVD-AWS-0164", "CKV_AWS_130", "N1"),
        not_true("mapPublicIpOnLaunch", "Subnets must not assign public IPs on launch."),
    ),
    Rule(
        "aws-ec2-defaultsecuritygroup-disallow-rules",
        DEFAULT_SG,
        "The default security group allows nothing.",
        ("CKV2_AWS_12", "AVD-AWS-0173", "EC2.2", "N2"),
        lambda props, _c: (
            "The default security group must have no rules."
            if props.get("ingress") or props.get("egress")
            else None
        ),
    ),
    Rule(
        "aws-ec2-securitygroup-disallow-inline-rules",
        SG,
        "Rules are separate resources.",
        ("AWSGuard:security-group-no-rule-management-conflicts", "N4"),
        _no_inline_rules,
    ),
    Rule(
        "aws-ec2-securitygroup-require-description",
        SG,
        "Every security group says what it is for.",
        ("CKV_AWS_23", "AVD-AWS-0099", "EC27"),
        present("description", "Security groups must have a description."),
    ),
    Rule(
        "aws-vpc-securitygroupingressrule-require-description",
        INGRESS,
        "Every rule says why it exists.",
        ("CKV_AWS_23", "AVD-AWS-0124"),
        present("description", "Security group rules must have a description."),
    ),
    Rule(
        "aws-vpc-securitygroupegressrule-require-description",
        EGRESS,
        "Every rule says why it exists.",
        ("CKV_AWS_23", "AVD-AWS-0124"),
        present("description", "Security group rules must have a description."),
    ),
    Rule(
        "aws-vpc-securitygroupingressrule-disallow-public-except-web",
        INGRESS,
        "Only 443 (and 80 for the redirect) are open to the internet.",
        ("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "AVD-AWS-0107", "EC2.18", "EC2.19", "N4"),
        _public_ingress,
    ),
    Rule(
        "aws-vpc-securitygroupegressrule-disallow-public-all-ports",
        EGRESS,
        "Egress to the internet names a protocol and port.",
        ("CKV_AWS_382", "AVD-AWS-0104", "N5"),
        _wildcard_egress,
    ),
    Rule(
        OPEN_EGRESS_POLICY,
        EGRESS,
        "Egress to the whole internet only on HTTPS (443).",
        ("AVD-AWS-0104", "N5"),
        _public_egress_except_https,
    ),
    Rule(
        "aws-ec2-flowlog-require-all-traffic",
        FLOW_LOG,
        "Flow logs capture accepted and rejected traffic.",
        ("CKV2_AWS_11", "AVD-AWS-0178", "EC2.6", "VPC7", "N3"),
        equals("trafficType", "ALL", "VPC flow logs must capture ALL traffic."),
    ),
]


# --- edge (E) ------------------------------------------------------------------------------------


def _https_listener(props: Props, _context: Context) -> str | None:
    if props.get("protocol") == "HTTPS":
        if not str(props.get("sslPolicy", "")).startswith("ELBSecurityPolicy-TLS13-"):
            return "HTTPS listeners must use a TLS 1.3 security policy (ELBSecurityPolicy-TLS13-...)."
        return None
    if props.get("protocol") == "HTTP":
        actions = props.get("defaultActions") or []
        redirect = (
            len(actions) == 1
            and actions[0].get("type") == "redirect"
            and (actions[0].get("redirect", {}).get("protocol") == "HTTPS")
        )
        if not redirect:
            return "HTTP listeners must only redirect to HTTPS."
    return None


EDGE = [
    Rule(
        "aws-lb-loadbalancer-require-drop-invalid-headers",
        ALB,
        "Invalid header fields are dropped.",
        ("CKV_AWS_131", "AVD-AWS-0052", "ELB.4", "E3"),
        equals("dropInvalidHeaderFields", True, "Load balancers must drop invalid header fields."),
    ),
    Rule(
        "aws-lb-loadbalancer-require-desync-mitigation",
        ALB,
        "HTTP desync mitigation is defensive or stricter.",
        ("CKV_AWS_328", "ELB.12", "E4"),
        lambda props, _c: (
            None
            if props.get("desyncMitigationMode") in ("defensive", "strictest")
            else "Load balancers must use defensive or strictest desync mitigation."
        ),
    ),
    Rule(
        "aws-lb-loadbalancer-require-access-logs",
        ALB,
        "Access logs are written to S3.",
        ("AWSGuard:elb-logging-enabled", "CKV_AWS_91", "ELB.5", "ELB2", "E5"),
        lambda props, _c: (
            None
            if (props.get("accessLogs") or {}).get("enabled")
            else "Load balancers must write access logs."
        ),
    ),
    Rule(
        "aws-lb-loadbalancer-require-deletion-protection",
        ALB,
        "The production load balancer cannot be deleted.",
        ("AWSGuard:elb-deletion-protection-enabled", "CKV_AWS_150", "ELB.6", "E6"),
        in_production(
            equals(
                "enableDeletionProtection", True, "Production load balancers must have deletion protection."
            )
        ),
    ),
    Rule(
        "aws-lb-listener-require-https",
        LISTENER,
        "HTTPS with TLS 1.3; HTTP only redirects.",
        (
            "CKV_AWS_2",
            "CKV_AWS_103",
            "CKV2_AWS_20",
            "CKV2_AWS_74",
            "AVD-AWS-0047",
            "ELB.1",
            "ELB.17",
            "AWSGuard:alb-http-to-https-redirection",
            "E1",
            "E2",
        ),
        _https_listener,
    ),
    Rule(
        "aws-lb-targetgroup-require-health-check",
        TARGET_GROUP,
        "Targets are health-checked on a path.",
        ("CKV_AWS_261", "E8"),
        lambda props, _c: (
            None
            if (props.get("healthCheck") or {}).get("path")
            else "Target groups must define an HTTP health check path."
        ),
    ),
]


# --- compute (C) ---------------------------------------------------------------------------------


def _container_rule(check: Callable[[dict[str, Any]], str | None]) -> Check:
    def run(props: Props, _context: Context) -> str | None:
        for container in _containers(props):
            message = check(container)
            if message:
                return f"{container.get('name', '?')}: {message}"
        return None

    return run


def _no_secret_in_environment(container: dict[str, Any]) -> str | None:
    for item in container.get("environment") or []:
        if SECRET_NAME.search(str(item.get("name", ""))):
            return f"{item.get('name')} looks like a secret; pass it through `secrets`, not `environment`."
    return None


def _unverified_warehouses(container: dict[str, Any]) -> str | None:
    """The declared warehouse connections (WAREHOUSE_CONNECTIONS) whose server is not verified."""
    environment = {item.get("name"): item.get("value") for item in container.get("environment") or []}
    try:
        declared = json.loads(environment.get("WAREHOUSE_CONNECTIONS") or "{}")
    except ValueError:
        return None
    weak = [
        f"{item.get('name')} (tls {item['tls']})"
        for item in declared.get("connections") or []
        if item.get("tls") in ("require", "disable")
    ]
    if not weak:
        return None
    return (f"warehouse connections {', '.join(weak)} do not verify the server (disable: nor encrypt), so "
            "the password and the data may reach an impostor; use tls verify-full (README: Warehouse "
            "connections).")  # fmt: skip


COMPUTE = [
    Rule(
        "aws-ecs-cluster-require-container-insights",
        CLUSTER,
        "Container Insights is on.",
        ("CKV_AWS_65", "AVD-AWS-0034", "ECS.12", "ECS4", "C1"),
        lambda props, _c: (
            None
            if any(
                s.get("name") == "containerInsights" and s.get("value") in ("enabled", "enhanced")
                for s in props.get("settings") or []
            )
            else "ECS clusters must enable Container Insights."
        ),
    ),
    Rule(
        "aws-ecs-service-disallow-public-ip",
        SERVICE,
        "Tasks get no public IP.",
        ("CKV_AWS_333", "ECS.2", "C2"),
        lambda props, _c: (
            "ECS services must not assign public IPs."
            if (props.get("networkConfiguration") or {}).get("assignPublicIp")
            else None
        ),
    ),
    Rule(
        "aws-ecs-service-require-circuit-breaker-rollback",
        SERVICE,
        "Failed deployments roll back.",
        ("C-deploy",),
        lambda props, _c: (
            None
            if (props.get("deploymentCircuitBreaker") or {}) == {"enable": True, "rollback": True}
            else "ECS services must enable the deployment circuit breaker with rollback."
        ),
    ),
    Rule(
        "aws-ecs-service-require-latest-platform",
        SERVICE,
        "Fargate runs the latest platform version.",
        ("CKV_AWS_332", "ECS.10", "C3"),
        lambda props, _c: (
            None
            if props.get("platformVersion") in (None, "LATEST")
            else "ECS services must run the LATEST Fargate platform version."
        ),
    ),
    Rule(
        "aws-ecs-taskdefinition-require-readonly-root",
        TASK_DEFINITION,
        "Containers cannot write their image.",
        ("CKV_AWS_336", "ECS.5", "C6"),
        _container_rule(
            lambda c: (
                None if c.get("readonlyRootFilesystem") is True else "the root filesystem must be read-only"
            )
        ),
    ),
    Rule(
        "aws-ecs-taskdefinition-disallow-secrets-in-environment",
        TASK_DEFINITION,
        "Secrets arrive as `secrets`.",
        ("AVD-AWS-0036", "ECS.8", "ECS2", "C7"),
        _container_rule(_no_secret_in_environment),
    ),
    Rule(
        "aws-ecs-taskdefinition-require-verified-warehouse-tls",
        TASK_DEFINITION,
        "Warehouse connections verify the server's certificate and host name.",
        ("warehouse-tls", "D7"),
        _container_rule(_unverified_warehouses),
        level="advisory",
    ),
    Rule(
        "aws-ecs-taskdefinition-disallow-privileged",
        TASK_DEFINITION,
        "No privileged containers.",
        ("CKV_AWS_334", "ECS.4", "C4"),
        _container_rule(lambda c: "must not be privileged" if c.get("privileged") else None),
    ),
    Rule(
        "aws-ecs-taskdefinition-require-logging",
        TASK_DEFINITION,
        "Every container logs somewhere.",
        ("ECS.9", "ECS7", "C8"),
        _container_rule(
            lambda c: (
                None
                if (c.get("logConfiguration") or {}).get("logDriver")
                else "must have a log configuration"
            )
        ),
    ),
    Rule(
        "aws-ecs-taskdefinition-require-non-root-user",
        TASK_DEFINITION,
        "Containers run as a non-root user.",
        ("ECS.20", "C5"),
        _container_rule(
            lambda c: (
                None if c.get("user") not in (None, "", "root", "0", "0:0") else "must run as a non-root user"
            )
        ),
    ),
    Rule(
        "aws-ecr-repository-require-immutable-tags",
        ECR,
        "Image tags cannot be overwritten.",
        ("CKV_AWS_51", "C11"),
        equals("imageTagMutability", "IMMUTABLE", "ECR repositories must use immutable tags."),
    ),
    Rule(
        "aws-ecr-repository-require-scan-on-push",
        ECR,
        "Images are scanned on push.",
        ("CKV_AWS_163", "C11"),
        lambda props, _c: (
            None
            if (props.get("imageScanningConfiguration") or {}).get("scanOnPush")
            else "ECR repositories must scan images on push."
        ),
    ),
    Rule(
        "aws-ecr-repository-require-kms",
        ECR,
        "Images are encrypted with a customer key.",
        ("CKV_AWS_136", "C11"),
        lambda props, _c: (
            None
            if any(c.get("encryptionType") == "KMS" for c in props.get("encryptionConfigurations") or [])
            else "ECR repositories must be encrypted with KMS."
        ),
    ),
]


# --- secrets and keys (K) -----------------------------------------------------------------------


def _no_public_key_principal(props: Props, _context: Context) -> str | None:
    for statement in _statements(props.get("policy")):
        principal = statement.get("Principal")
        if statement.get("Effect") == "Allow" and (
            principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
        ):
            return "KMS key policies must not allow every principal."
    return None


SECRETS = [
    Rule(
        "aws-kms-key-require-rotation",
        KMS_KEY,
        "Key material rotates yearly.",
        ("AWSGuard:cmk-backing-key-rotation-enabled", "CKV_AWS_7", "AVD-AWS-0065", "KMS5", "K1"),
        equals("enableKeyRotation", True, "KMS keys must rotate."),
    ),
    Rule(
        "aws-kms-key-require-explicit-policy",
        KMS_KEY,
        "The key policy is written, not the default.",
        ("CKV2_AWS_64", "K1"),
        present("policy", "KMS keys must have an explicit key policy."),
    ),
    Rule(
        "aws-kms-key-disallow-public-principal",
        KMS_KEY,
        "No statement allows everyone.",
        ("CKV_AWS_33", "KMS.5", "K1"),
        _no_public_key_principal,
    ),
    Rule(
        "aws-kms-key-disallow-lockout-bypass",
        KMS_KEY,
        "The lockout safety check stays on.",
        ("compliance:aws-kms-key-disallow-bypass-policy-lockout-safety-check", "K1"),
        not_true(
            "bypassPolicyLockoutSafetyCheck", "KMS keys must not bypass the policy lockout safety check."
        ),
    ),
    Rule(
        "aws-secretsmanager-secret-require-cmk",
        SECRET,
        "Secrets are encrypted with the stack key.",
        ("CKV_AWS_149", "AVD-AWS-0098", "K2"),
        present("kmsKeyId", "Secrets must be encrypted with a customer-managed key."),
    ),
]


# --- data: RDS (D) and ElastiCache (R) ---------------------------------------------------------

DATA = [
    Rule(
        "aws-rds-instance-disallow-public-access",
        RDS,
        "The database is not reachable from the internet.",
        ("AWSGuard:rds-instance-public-access", "CKV_AWS_17", "AVD-AWS-0180", "RDS.2", "D2"),
        not_true("publiclyAccessible", "RDS instances must not be publicly accessible."),
    ),
    Rule(
        "aws-rds-instance-require-storage-encryption",
        RDS,
        "Storage is encrypted with the stack key.",
        ("AWSGuard:rds-storage-encrypted", "CKV_AWS_16", "AVD-AWS-0080", "RDS.3", "D1"),
        lambda props, _c: (
            None
            if props.get("storageEncrypted") is True and props.get("kmsKeyId")
            else "RDS storage must be encrypted with a customer-managed key."
        ),
    ),
    Rule(
        "aws-rds-instance-require-multi-az",
        RDS,
        "Production has a standby in another zone.",
        ("AWSGuard:rds-instance-multi-az-enabled", "CKV_AWS_157", "RDS.5", "D3"),
        in_production(equals("multiAz", True, "Production RDS instances must be Multi-AZ.")),
    ),
    Rule(
        "aws-rds-instance-require-deletion-protection",
        RDS,
        "Production refuses deletion.",
        ("CKV_AWS_293", "AVD-AWS-0177", "RDS.8", "D4"),
        in_production(
            equals("deletionProtection", True, "Production RDS instances must have deletion protection.")
        ),
    ),
    Rule(
        "aws-rds-instance-require-final-snapshot",
        RDS,
        "Deleting leaves a snapshot.",
        ("D4",),
        lambda props, _c: (
            None
            if props.get("skipFinalSnapshot") is False and props.get("finalSnapshotIdentifier")
            else "RDS instances must take a final snapshot."
        ),
    ),
    Rule(
        "aws-rds-instance-require-backups",
        RDS,
        "Backups are kept (7 days or more in production).",
        ("AWSGuard:rds-instance-backup-enabled", "CKV_AWS_133", "AVD-AWS-0077", "RDS.11", "D5"),
        lambda props, c: (
            None
            if (props.get("backupRetentionPeriod") or 0) >= (7 if c.production else 1)
            else f"RDS backups must be kept at least {7 if c.production else 1} days."
        ),
    ),
    Rule(
        "aws-rds-instance-require-copy-tags-to-snapshot",
        RDS,
        "Snapshots carry the cost tags.",
        ("CKV2_AWS_60", "RDS.17", "D6"),
        equals("copyTagsToSnapshot", True, "RDS instances must copy tags to snapshots."),
    ),
    Rule(
        "aws-rds-instance-require-log-exports",
        RDS,
        "PostgreSQL logs go to CloudWatch.",
        ("CKV_AWS_129", "RDS.9", "RDS.36", "D8"),
        lambda props, _c: (
            None
            if "postgresql" in (props.get("enabledCloudwatchLogsExports") or [])
            else "RDS instances must export the postgresql log."
        ),
    ),
    Rule(
        "aws-rds-instance-require-auto-minor-upgrade",
        RDS,
        "Minor versions are patched.",
        ("CKV_AWS_226", "RDS.13", "D9"),
        lambda props, _c: (
            "RDS instances must allow automatic minor version upgrades."
            if props.get("autoMinorVersionUpgrade") is False
            else None
        ),
    ),
    Rule(
        "aws-rds-parametergroup-require-force-ssl",
        RDS_PARAMETERS,
        "Clients must use TLS.",
        ("CKV2_AWS_69", "D7"),
        lambda props, _c: (
            None
            if {"name": "rds.force_ssl", "value": "1"}
            in [{"name": p.get("name"), "value": p.get("value")} for p in props.get("parameters") or []]
            else "PostgreSQL parameter groups must set rds.force_ssl = 1."
        ),
    ),
    Rule(
        "aws-elasticache-replicationgroup-require-at-rest-encryption",
        CACHE,
        "Data at rest is encrypted.",
        ("CKV_AWS_29", "CKV_AWS_191", "AVD-AWS-0045", "ElastiCache.4", "R2"),
        equals("atRestEncryptionEnabled", True, "ElastiCache must encrypt data at rest."),
    ),
    Rule(
        "aws-elasticache-replicationgroup-require-tls",
        CACHE,
        "Clients must use TLS.",
        ("CKV_AWS_30", "AVD-AWS-0051", "ElastiCache.5", "AEC3", "R3"),
        lambda props, _c: (
            None
            if props.get("transitEncryptionEnabled") is True
            and props.get("transitEncryptionMode", "required") == "required"
            else "ElastiCache must require TLS in transit."
        ),
    ),
    Rule(
        "aws-elasticache-replicationgroup-require-auth",
        CACHE,
        "Clients must authenticate.",
        ("CKV_AWS_31", "ElastiCache.6", "AEC6", "R3"),
        lambda props, _c: (
            None
            if props.get("authToken") or props.get("userGroupIds")
            else "ElastiCache must require AUTH (a token or RBAC user groups)."
        ),
    ),
    Rule(
        "aws-elasticache-replicationgroup-require-failover",
        CACHE,
        "Production fails over automatically.",
        ("CKV2_AWS_50", "ElastiCache.3", "AEC4", "R1"),
        in_production(
            lambda props, _c: (
                None
                if props.get("automaticFailoverEnabled") is True and props.get("multiAzEnabled") is True
                else "Production ElastiCache must fail over automatically across zones."
            )
        ),
    ),
    Rule(
        "aws-elasticache-replicationgroup-require-snapshots",
        CACHE,
        "Snapshots are kept.",
        ("CKV_AWS_134", "AVD-AWS-0050", "ElastiCache.1", "R4"),
        lambda props, _c: (
            None if (props.get("snapshotRetentionLimit") or 0) >= 1 else "ElastiCache must keep snapshots."
        ),
    ),
]


# --- storage (S), logging (L), IAM (I) ----------------------------------------------------------


def _bucket_names(resources: Sequence[Resource], resource_type: str) -> set[str]:
    return {r.name for r in resources if r.type == resource_type}


def _every_bucket_has(
    resource_type: str, message: str
) -> Callable[[Sequence[Resource], Context], list[tuple[str, str]]]:
    def run(resources: Sequence[Resource], _context: Context) -> list[tuple[str, str]]:
        covered = _bucket_names(resources, resource_type)
        return [(name, message) for name in sorted(_bucket_names(resources, BUCKET) - covered)]

    return run


def _every_bucket_policy_denies_plain_http(
    resources: Sequence[Resource], _context: Context
) -> list[tuple[str, str]]:
    denying = set()
    for resource in resources:
        if resource.type == BUCKET_POLICY:
            for statement in _statements(resource.inputs.get("policy")):
                condition = (statement.get("Condition") or {}).get("Bool", {})
                if statement.get("Effect") == "Deny" and condition.get("aws:SecureTransport") == "false":
                    denying.add(resource.name)
    return [
        (name, "S3 buckets must deny requests without TLS.")
        for name in sorted(_bucket_names(resources, BUCKET) - denying)
    ]


def _least_privilege(props: Props, _context: Context) -> str | None:
    for statement in _statements(props.get("policy")):
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        if any(action == "*" or str(action).endswith(":*") for action in actions):
            return f"IAM policies must name actions, not {actions}."
        if "*" in _as_list(statement.get("Resource")) and not set(actions) <= UNSCOPABLE_ACTIONS:
            return f"IAM policies must name resources for {sorted(set(actions) - UNSCOPABLE_ACTIONS)}."
    return None


def _scoped_trust(props: Props, _context: Context) -> str | None:
    for statement in _statements(props.get("assumeRolePolicy")):
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))):
            return "Role trust policies must name their principals."
    return None


STORAGE_LOGGING_IAM = [
    Rule(
        "aws-s3-bucketpublicaccessblock-require-all-flags",
        PUBLIC_ACCESS_BLOCK,
        "All four public-access blocks.",
        ("CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "S3.8", "S2", "S1"),
        lambda props, _c: (
            None
            if all(
                props.get(f) is True
                for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
            )
            else "S3 public access blocks must set all four flags."
        ),
    ),
    Rule(
        "aws-s3-bucketownershipcontrols-require-bucket-owner-enforced",
        OWNERSHIP,
        "ACLs are disabled.",
        ("CKV2_AWS_65", "S3.12", "S2"),
        lambda props, _c: (
            None
            if (props.get("rule") or {}).get("objectOwnership") == "BucketOwnerEnforced"
            else "S3 buckets must disable ACLs (BucketOwnerEnforced)."
        ),
    ),
    Rule(
        "aws-s3-bucket-disallow-force-destroy",
        BUCKET,
        "A destroy never empties a bucket.",
        ("data-safety",),
        not_true("forceDestroy", "S3 buckets must not be force-destroyed."),
    ),
    Rule(
        "aws-cloudwatch-loggroup-require-retention",
        LOG_GROUP,
        "Logs expire.",
        ("CKV_AWS_66", "L1"),
        present("retentionInDays", "Log groups must have a retention period."),
    ),
    Rule(
        "aws-cloudwatch-loggroup-require-kms",
        LOG_GROUP,
        "Logs are encrypted with the stack key.",
        ("CKV_AWS_158", "AVD-AWS-0017", "L1"),
        present("kmsKeyId", "Log groups must be encrypted with KMS."),
    ),
    Rule(
        "aws-cloudwatch-loggroup-require-year-retention",
        LOG_GROUP,
        "Production keeps logs a year.",
        ("CKV_AWS_338", "L1"),
        in_production(
            lambda props, _c: (
                None
                if (props.get("retentionInDays") or 0) >= 365
                else "Production log groups must keep logs for at least 365 days."
            )
        ),
        level="advisory",
    ),
    Rule(
        "aws-cloudwatch-metricalarm-require-actions",
        ALARM,
        "Alarms reach someone.",
        ("CKV_AWS_319", "L2"),
        lambda props, _c: (
            None
            if props.get("actionsEnabled") is not False and props.get("alarmActions")
            else "Alarms must have actions."
        ),
    ),
    Rule(
        "aws-iam-rolepolicy-require-least-privilege",
        ROLE_POLICY,
        "Named actions on named resources.",
        ("CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV_AWS_286", "IAM5", "I1"),
        _least_privilege,
    ),
    Rule(
        "aws-iam-role-require-scoped-trust",
        ROLE,
        "Trust names its principals.",
        ("CKV_AWS_60", "CKV_AWS_61", "I2"),
        _scoped_trust,
    ),
]

# --- confused deputy: the roles AWS services assume (I2) ----------------------------------------

# Services that document the aws:SourceArn they send when they assume a role (aws/iam.py lists the
# forms and where AWS documents them). Every service role must also require aws:SourceAccount.
SOURCE_ARN_SERVICES = frozenset(
    {
        "ecs-tasks.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "scheduler.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
    }
)


def _required(statement: dict[str, Any], operators: tuple[str, ...], key: str) -> bool:
    condition = statement.get("Condition") or {}
    return any((condition.get(operator) or {}).get(key) for operator in operators)


def _confused_deputy_conditions(props: Props, _context: Context) -> str | None:
    for statement in _statements(props.get("assumeRolePolicy")):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if statement.get("Effect") != "Allow" or not any(services):
            continue
        if not _required(statement, ("StringEquals",), "aws:SourceAccount"):
            return "Roles that AWS services assume must require aws:SourceAccount."
        unscoped = [s for s in services if s in SOURCE_ARN_SERVICES]
        if unscoped and not _required(statement, ("ArnLike", "ArnEquals"), "aws:SourceArn"):
            return f"Roles that {', '.join(unscoped)} assumes must require aws:SourceArn."
    return None


CONFUSED_DEPUTY = [
    Rule(
        "aws-iam-role-require-confused-deputy-conditions",
        ROLE,
        "Services assume roles only for this account and, where documented, this resource.",
        ("prowler:iam_role_cross_service_confused_deputy_prevention", "I2"),
        _confused_deputy_conditions,
    ),
]


def _every_role_bounded(resources: Sequence[Resource], _context: Context) -> list[tuple[str, str]]:
    """Once one role carries a permissions boundary (the stack has roleBoundaryArn), every role
    must: a role without one is one the deploy roles cannot create (bootstrap/permissions.py)."""
    roles = [resource for resource in resources if resource.type == ROLE]
    if not any(role.inputs.get("permissionsBoundary") for role in roles):
        return []
    message = "IAM roles must carry the stack's permissions boundary (roleBoundaryArn) like its other roles."
    return [(role.name, message) for role in roles if not role.inputs.get("permissionsBoundary")]


STACK_RULES = [
    StackRule(
        "aws-s3-bucket-require-public-access-block",
        "Every bucket has a public access block.",
        ("CKV2_AWS_6", "S3.8", "S1"),
        _every_bucket_has(PUBLIC_ACCESS_BLOCK, "S3 buckets must have a public access block."),
    ),
    StackRule(
        "aws-s3-bucket-require-tls-only-policy",
        "Every bucket denies requests without TLS.",
        ("S3.5", "S10", "S3"),
        _every_bucket_policy_denies_plain_http,
    ),
    StackRule(
        WAREHOUSE_EGRESS_POLICY,
        "Every warehouse driver in the image has an egress rule to its port.",
        ("egress",),
        _warehouse_destinations,
        level="advisory",
    ),
    StackRule(
        "aws-iam-role-require-permissions-boundary",
        "Every role carries the stack's permissions boundary once it has one.",
        ("I1",),
        _every_role_bounded,
        level="advisory",
    ),
]

RULES: list[Rule] = [*NETWORK, *EDGE, *COMPUTE, *SECRETS, *DATA, *STORAGE_LOGGING_IAM, *CONFUSED_DEPUTY]

# A waiver of a production setting (settings.PROD_RULES) also covers the policy that checks the same.
SETTING_WAIVERS: dict[str, str] = {
    "dbMultiAz": "aws-rds-instance-require-multi-az",
    "dbDeletionProtection": "aws-rds-instance-require-deletion-protection",
    "dbBackupRetentionDays": "aws-rds-instance-require-backups",
    "cacheNodeCount": "aws-elasticache-replicationgroup-require-failover",
}

POLICY_NAMES: tuple[str, ...] = (*(rule.name for rule in RULES), *(rule.name for rule in STACK_RULES))
