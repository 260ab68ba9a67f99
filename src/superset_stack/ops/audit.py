"""The audit: what carries the stack's tags in AWS, against what the plan says the stack is.

The Resource Groups Tagging API lists every resource tagged `Project` and `Stack` like this stack
(the program's provider puts these default tags on everything taggable). The offline plan of the
stack file lists what the program creates. Each planned type maps to an ARN resource type in
ARN_TYPES, with the way to tell which ARN is which planned resource:

- `input:<key>`: the physical name is an input (the database identifier, a log group's name, a
  task definition's family; `namePrefix` matches as a prefix);
- `name-tag`: the program sets a `Name` tag (network resources, security groups);
- `autoname`: Pulumi named it `<logical name>-<7 hex digits>`;
- `count`: AWS makes up the identifier (KMS keys, certificates, listeners, rules): only the
  numbers per type can be compared, not which one is which.

Found resources then fall into: matched; made by a day-2 command (tagged `ManagedBy=superset-stack`:
manual and pre-deploy snapshots, a drill's scratch instance, a rotation's previous key); made by AWS
from a planned resource (automated snapshots, running tasks, cache nodes: DERIVED); or orphans.
Planned resources no ARN matched are missing. Types in UNMATCHABLE have no ARN the Tagging API
lists, for the reason given, and are reported as not checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from superset_stack.ops.names import PURPOSE_TAG, TOOL, StackNames

# plan type -> (ARN resource type "service:type", how a found ARN is matched to a planned resource)
ARN_TYPES: dict[str, tuple[str, str]] = {
    "aws:rds/instance:Instance": ("rds:db", "input:identifier"),
    "aws:rds/subnetGroup:SubnetGroup": ("rds:subgrp", "autoname"),
    "aws:rds/parameterGroup:ParameterGroup": ("rds:pg", "autoname"),
    "aws:cloudwatch/logGroup:LogGroup": ("logs:log-group", "input:name"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("cloudwatch:alarm", "autoname"),
    "aws:cloudwatch/eventRule:EventRule": ("events:rule", "input:name"),
    "aws:ecs/cluster:Cluster": ("ecs:cluster", "autoname"),
    "aws:ecs/service:Service": ("ecs:service", "autoname"),
    "aws:ecs/taskDefinition:TaskDefinition": ("ecs:task-definition", "input:family"),
    "aws:ecr/repository:Repository": ("ecr:repository", "autoname"),
    "aws:s3/bucket:Bucket": ("s3:bucket", "autoname"),
    "aws:secretsmanager/secret:Secret": ("secretsmanager:secret", "input:namePrefix"),
    "aws:sns/topic:Topic": ("sns:topic", "autoname"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("elasticache:replicationgroup", "autoname"),
    "aws:elasticache/subnetGroup:SubnetGroup": ("elasticache:subnetgroup", "autoname"),
    "aws:backup/vault:Vault": ("backup:backup-vault", "autoname"),
    "aws:backup/plan:Plan": ("backup:backup-plan", "count"),
    "aws:lb/loadBalancer:LoadBalancer": ("elasticloadbalancing:loadbalancer", "autoname"),
    "aws:lb/targetGroup:TargetGroup": ("elasticloadbalancing:targetgroup", "autoname"),
    "aws:lb/listener:Listener": ("elasticloadbalancing:listener", "count"),
    "aws:wafv2/webAcl:WebAcl": ("wafv2:regional", "autoname"),
    "aws:acm/certificate:Certificate": ("acm:certificate", "count"),
    "aws:kms/key:Key": ("kms:key", "count"),
    "aws:appautoscaling/target:Target": ("application-autoscaling:scalable-target", "count"),
    "aws:ec2/vpc:Vpc": ("ec2:vpc", "name-tag"),
    "aws:ec2/subnet:Subnet": ("ec2:subnet", "name-tag"),
    "aws:ec2/routeTable:RouteTable": ("ec2:route-table", "name-tag"),
    "aws:ec2/internetGateway:InternetGateway": ("ec2:internet-gateway", "name-tag"),
    "aws:ec2/natGateway:NatGateway": ("ec2:natgateway", "name-tag"),
    "aws:ec2/eip:Eip": ("ec2:elastic-ip", "name-tag"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("ec2:vpc-endpoint", "name-tag"),
    "aws:ec2/flowLog:FlowLog": ("ec2:vpc-flow-log", "name-tag"),
    "aws:ec2/securityGroup:SecurityGroup": ("ec2:security-group", "name-tag"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ec2:security-group", "name-tag"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ec2:security-group-rule", "count"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("ec2:security-group-rule", "count"),
    # the web tier's internal name (service.py): Cloud Map makes up both identifiers
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": ("servicediscovery:namespace", "count"),
    "aws:servicediscovery/service:Service": ("servicediscovery:service", "count"),
}

# plan types the Tagging API cannot show, and why
UNMATCHABLE: dict[str, str] = {
    "aws:iam/role:Role": "IAM roles are taggable, but GetResources does not list them",
    "aws:iam/rolePolicy:RolePolicy": "an inline policy is part of its role, not a resource",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "an attachment is not a resource",
    "aws:kms/alias:Alias": "aliases cannot be tagged",
    "aws:cloudwatch/eventTarget:EventTarget": "a target is part of its rule",
    "aws:secretsmanager/secretVersion:SecretVersion": "a version is part of its secret",
    "aws:ec2/route:Route": "a route is part of its route table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "an association is not a resource",
    **{
        f"aws:s3/bucket{part}:Bucket{part}": "bucket configuration, part of the bucket"
        for part in (
            "Versioning",
            "ServerSideEncryptionConfiguration",
            "PublicAccessBlock",
            "OwnershipControls",
            "LifecycleConfiguration",
            "Policy",
        )
    },
    "aws:sns/topicPolicy:TopicPolicy": "a policy is part of its topic",
    "aws:sns/topicSubscription:TopicSubscription": "subscriptions cannot be tagged",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "a policy is part of its repository",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "cluster configuration",
    "aws:appautoscaling/policy:Policy": "scaling policies cannot be tagged",
    "aws:appautoscaling/scheduledAction:ScheduledAction": "scheduled actions cannot be tagged",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "metric filters cannot be tagged",
    "aws:cloudwatch/dashboard:Dashboard": "dashboards cannot be tagged",
    "aws:cloudwatch/queryDefinition:QueryDefinition": "saved Logs Insights queries cannot be tagged",
    "aws:scheduler/schedule:Schedule": "EventBridge Scheduler schedules cannot be tagged",
    "aws:backup/selection:Selection": "a selection is part of its plan",
    "aws:route53/record:Record": "DNS records cannot be tagged",
    "aws:acm/certificateValidation:CertificateValidation": "a wait for validation, not a resource",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "an association is not a resource",
    "docker-build:index:Image": "an image in the repository; images carry no tags of ours",
    "random:index/randomPassword:RandomPassword": "generated in Pulumi's state only",
    "pulumi-python:dynamic:Resource": "the migration run: a one-off task, nothing that stays",
}

# ARN types AWS creates from planned resources, carrying their tags: expected, not orphans
DERIVED: dict[str, str] = {
    "ecs:task": "a running task of a planned service",
    "elasticache:cluster": "a node of the planned replication group",
    "elasticache:snapshot": "a backup of the planned replication group",
    "backup:recovery-point": "an AWS Backup recovery point of the planned database",
}
UNTYPED = {"s3": "bucket", "sns": "topic"}  # ARNs with the name right after the account
# where the name sits in what follows the resource type, when it is not all of it
NAME_IN_ARN: dict[str, Callable[[str], str]] = {
    "logs:log-group": lambda rest: rest.removesuffix(":*"),
    "secretsmanager:secret": lambda rest: rest.rsplit("-", 1)[0],  # name-AbCdEf: AWS adds 6 characters
    "ecs:task-definition": lambda rest: rest.rsplit(":", 1)[0],  # family:revision
    "ecs:service": lambda rest: rest.rsplit("/", 1)[-1],  # cluster/name
    "ecs:task": lambda rest: rest.rsplit("/", 1)[-1],
    "elasticloadbalancing:loadbalancer": lambda rest: rest.split("/")[1],  # app/name/id
    "elasticloadbalancing:listener": lambda rest: rest.split("/")[1],  # app/name/id/id
    "elasticloadbalancing:targetgroup": lambda rest: rest.split("/")[0],  # name/id
    "wafv2:regional": lambda rest: rest.split("/")[1],  # webacl/name/id
}
AUTOMATED_SNAPSHOT = re.compile(r"^(rds|awsbackup):")  # snapshots AWS takes of the planned instance


@dataclass(frozen=True)
class Planned:
    type: str
    name: str
    arn_type: str
    how: str
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Found:
    arn: str
    arn_type: str
    name: str
    tags: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Audit:
    matched: list[tuple[Planned, Found]] = field(default_factory=list)
    missing: list[Planned] = field(default_factory=list)
    orphans: list[Found] = field(default_factory=list)
    tool_made: list[Found] = field(default_factory=list)
    derived: list[Found] = field(default_factory=list)
    not_checked: dict[str, tuple[int, str]] = field(default_factory=dict)  # type -> (planned, why)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.orphans

    def facts(self) -> dict[str, Any]:
        """The report's figures: counts, and the lists a machine would act on."""
        return {
            "matched": len(self.matched),
            "missing": [f"{item.type} {item.name}" for item in self.missing],
            "orphans": [item.arn for item in self.orphans],
            "made_by_day2_commands": [item.arn for item in self.tool_made],
            "made_by_aws": len(self.derived),
            "not_checked": {kind: count for kind, (count, _why) in sorted(self.not_checked.items())},
        }

    def sections(self) -> dict[str, list[str]]:
        """The report's lists, for people."""
        counted = " (counted: which one cannot be told)"
        return {
            "Orphans: tagged as this stack, not in the plan": [
                f"`{item.arn}`" + (counted if _counted(item.arn_type) else "") for item in self.orphans
            ],
            "Missing: in the plan, not found by tag": [
                f"{item.type} `{item.name}`" + (counted if item.how == "count" else "")
                for item in self.missing
            ],
            "Made by day-2 commands": [
                f"`{item.arn}` ({item.tags.get(PURPOSE_TAG, '?')})" for item in self.tool_made
            ],
            "Made by AWS from planned resources": [f"`{item.arn}`" for item in self.derived],
            "Not checked (no ARN the Tagging API lists)": [
                f"{kind} x{count}: {why}" for kind, (count, why) in sorted(self.not_checked.items())
            ],
        }


def _counted(arn_type: str) -> bool:
    return any(arn == arn_type and how == "count" for arn, how in ARN_TYPES.values())


def parse_arn(arn: str) -> tuple[str, str]:
    """(ARN resource type, resource name): `arn:aws:ecs:r:a:service/c/web-1` -> (ecs:service, web-1)."""
    _, _, service, _, _, resource = arn.split(":", 5)
    if service in UNTYPED:
        return f"{service}:{UNTYPED[service]}", resource
    cut = min((i for i in (resource.find("/"), resource.find(":")) if i >= 0), default=-1)
    if cut < 0:
        return f"{service}:{resource}", ""
    arn_type = f"{service}:{resource[:cut]}"
    rest = resource[cut + 1 :]
    name_of = NAME_IN_ARN.get(arn_type)
    return arn_type, name_of(rest) if name_of else rest


def planned_resources(document: dict[str, Any]) -> tuple[list[Planned], dict[str, tuple[int, str]]]:
    """The plan's resources the audit can look for, and the counts of those it cannot."""
    planned: list[Planned] = []
    not_checked: dict[str, tuple[int, str]] = {}
    for resource in document["resources"]:
        kind = resource["type"]
        if kind in ARN_TYPES:
            arn_type, how = ARN_TYPES[kind]
            planned.append(Planned(kind, resource["name"], arn_type, how, resource["inputs"]))
        else:
            count, _ = not_checked.get(kind, (0, ""))
            not_checked[kind] = (count + 1, UNMATCHABLE.get(kind, "no ARN type known for it"))
    return planned, not_checked


def tagged_resources(tagging: Any, names: StackNames) -> list[Found]:
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=names.tag_filters())
    found = []
    for page in pages:
        for item in page["ResourceTagMappingList"]:
            arn_type, name = parse_arn(item["ResourceARN"])
            tags = {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])}
            found.append(Found(item["ResourceARN"], arn_type, name, tags))
    return found


def matches(planned: Planned, found: Found) -> bool:
    """Whether `found` is `planned`, by the planned type's rule (never for `count`)."""
    if planned.arn_type != found.arn_type:
        return False
    if planned.how == "name-tag":
        return bool(found.tags.get("Name")) and found.tags.get("Name") == planned.inputs.get("tags", {}).get(
            "Name"
        )
    if planned.how == "autoname":
        return re.fullmatch(rf"{re.escape(planned.name)}-[0-9a-f]{{7}}", found.name) is not None
    if planned.how.startswith("input:"):
        key = planned.how.removeprefix("input:")
        value = str(planned.inputs.get(key, ""))
        return bool(value) and (found.name.startswith(value) if key == "namePrefix" else found.name == value)
    return False


def audit(document: dict[str, Any], found: list[Found]) -> Audit:
    """Compare the plan document (the plan JSON contract) with what the Tagging API returned."""
    planned, not_checked = planned_resources(document)
    result = Audit(not_checked=not_checked)
    unclaimed = list(found)
    for item in planned:
        if item.how == "count":
            continue
        hits = [candidate for candidate in unclaimed if matches(item, candidate)]
        if not hits:
            result.missing.append(item)
        for hit in hits:  # every revision of a task definition family is the one planned resource
            result.matched.append((item, hit))
            unclaimed.remove(hit)
    _match_by_count([p for p in planned if p.how == "count"], unclaimed, result)
    for extra in unclaimed:
        if extra.tags.get("ManagedBy") == TOOL and PURPOSE_TAG in extra.tags:
            result.tool_made.append(extra)
        elif extra.arn_type in DERIVED or (
            extra.arn_type == "rds:snapshot" and AUTOMATED_SNAPSHOT.match(extra.name)
        ):
            result.derived.append(extra)
        else:
            result.orphans.append(extra)
    return result


def _match_by_count(planned: list[Planned], unclaimed: list[Found], result: Audit) -> None:
    """Pair planned and found resources of each counted type in order; the rest is missing or extra."""
    for arn_type in sorted({item.arn_type for item in planned}):
        wanted = [item for item in planned if item.arn_type == arn_type]
        there = sorted((item for item in unclaimed if item.arn_type == arn_type), key=lambda item: item.arn)
        for item, hit in zip(wanted, there, strict=False):
            result.matched.append((item, hit))
            unclaimed.remove(hit)
        result.missing += wanted[len(there) :]


def run_audit(tagging: Any, names: StackNames, stack_file: Path) -> Audit:
    """Plan the stack file offline, list the stack's tagged resources, compare."""
    from superset_stack.plan.offline import plan_stack_file

    document = plan_stack_file(stack_file, stack=names.stack).document
    return audit(document, tagged_resources(tagging, names))
