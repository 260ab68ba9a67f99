"""What the deploy roles may do, derived from the plans: the IAM actions behind each resource type.

The Superset program creates a fixed set of resource types; the offline plans of every example stack
and variant (tests/plans/*.json) list them. NEEDS maps each of those types to what the AWS provider
(or, for the image and the migration run, docker-build and boto3) calls to create, update, tag and
delete it; reading is granted per service with Describe*/Get*/List*. tests/unit/bootstrap/
test_actions.py fails when a plan has a type NEEDS lacks, or NEEDS keeps a type no plan has, and
checks the role names, trusted services and attached policies below against the plans too.

The write actions come from the provider's create/update/delete calls for each resource and AWS's
service authorization reference; they have not been exercised against a real account here, so the
first deploy through CI is what confirms them (an AccessDenied names the missing action).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Needs:
    """What one resource type needs beyond reading its service.

    Attributes:
        actions: Write actions. ``iam:`` actions apply to the stack's roles only (ROLE_NAME_PREFIX).
        passes_role_to: The service a role is handed to (iam:PassRole), if any.
        service_linked_role: The service whose service-linked role the first create may make, if any.
    """

    actions: tuple[str, ...] = ()
    passes_role_to: str | None = None
    service_linked_role: str | None = None


# Every role the program creates is auto-named from a logical name under SupersetStack("superset").
ROLE_NAME_PREFIX = "superset-"
# AWS-managed policies the program attaches to its roles (partition left out).
ATTACHED_POLICIES = (
    "iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
)
# Reads a preview must not make although Describe*/Get*/List* would allow them: data, not configuration.
DATA_READS = (
    "ec2:GetPasswordData",
    "logs:GetLogEvents",
    "logs:GetLogRecord",
    "logs:GetQueryResults",
    "secretsmanager:GetSecretValue",
)
_TAG_EC2 = ("ec2:CreateTags", "ec2:DeleteTags")
_TAG_RDS = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource")
_TAG_ELB = ("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags")
_TAG_CACHE = ("elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource")
# Encrypting with the stack key when creating a database, cache, repository, vault or secret.
_USE_KEY = ("kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:RetireGrant")


def _tagged(service: str, *actions: str) -> tuple[str, ...]:
    return (*actions, f"{service}:TagResource", f"{service}:UntagResource")


NEEDS: dict[str, Needs] = {
    "aws:acm/certificate:Certificate": Needs((
        "acm:RequestCertificate", "acm:DeleteCertificate", "acm:UpdateCertificateOptions",
        "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate",
    )),
    "aws:acm/certificateValidation:CertificateValidation": Needs(),  # waits with acm:DescribeCertificate
    "aws:appautoscaling/policy:Policy": Needs((
        "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
        "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
    )),
    "aws:appautoscaling/scheduledAction:ScheduledAction": Needs((
        "application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction",
    )),
    "aws:appautoscaling/target:Target": Needs(_tagged(
        "application-autoscaling", "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget", "ecs:UpdateService",
    ), service_linked_role="ecs.application-autoscaling.amazonaws.com"),
    "aws:backup/plan:Plan": Needs(_tagged(
        "backup", "backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan",
    )),
    "aws:backup/selection:Selection": Needs((
        "backup:CreateBackupSelection", "backup:DeleteBackupSelection",
    ), passes_role_to="backup.amazonaws.com"),
    "aws:backup/vault:Vault": Needs(_tagged(
        "backup", "backup:CreateBackupVault", "backup:DeleteBackupVault",
        "backup:PutBackupVaultNotifications", "backup:DeleteBackupVaultNotifications",
        "backup-storage:MountCapsule", *_USE_KEY,
    )),
    "aws:cloudwatch/dashboard:Dashboard": Needs(("cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards")),
    # the database's events to the alarm topic; the target names no role (SNS trusts EventBridge)
    "aws:cloudwatch/eventRule:EventRule": Needs(_tagged(
        "events", "events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule",
    )),
    "aws:cloudwatch/eventTarget:EventTarget": Needs(("events:PutTargets", "events:RemoveTargets")),
    "aws:cloudwatch/logGroup:LogGroup": Needs(_tagged(
        "logs", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
    )),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": Needs((
        "logs:PutMetricFilter", "logs:DeleteMetricFilter",
    )),
    "aws:cloudwatch/metricAlarm:MetricAlarm": Needs(_tagged(
        "cloudwatch", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
    )),
    "aws:cloudwatch/queryDefinition:QueryDefinition": Needs((
        "logs:PutQueryDefinition", "logs:DeleteQueryDefinition",
    )),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": Needs((
        "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", *_TAG_EC2,
    )),
    "aws:ec2/eip:Eip": Needs((
        "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress", *_TAG_EC2,
    )),
    "aws:ec2/flowLog:FlowLog": Needs((
        "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", *_TAG_EC2,
    ), passes_role_to="vpc-flow-logs.amazonaws.com"),
    "aws:ec2/internetGateway:InternetGateway": Needs((
        "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway", *_TAG_EC2,
    )),
    "aws:ec2/natGateway:NatGateway": Needs(("ec2:CreateNatGateway", "ec2:DeleteNatGateway", *_TAG_EC2)),
    "aws:ec2/route:Route": Needs(("ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute")),
    "aws:ec2/routeTable:RouteTable": Needs(("ec2:CreateRouteTable", "ec2:DeleteRouteTable", *_TAG_EC2)),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": Needs((
        "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation",
    )),
    "aws:ec2/securityGroup:SecurityGroup": Needs((
        "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress", *_TAG_EC2,
    )),
    "aws:ec2/subnet:Subnet": Needs((
        "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute", *_TAG_EC2,
    )),
    "aws:ec2/vpc:Vpc": Needs(("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", *_TAG_EC2)),
    "aws:ec2/vpcEndpoint:VpcEndpoint": Needs((
        "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", *_TAG_EC2,
    )),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": Needs(("ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy")),
    "aws:ecr/repository:Repository": Needs(_tagged(
        "ecr", "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:PutImageScanningConfiguration",
        "ecr:PutImageTagMutability", *_USE_KEY,
    )),
    "aws:ecs/cluster:Cluster": Needs(_tagged(
        "ecs", "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:DeleteCluster",
    ), service_linked_role="ecs.amazonaws.com"),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": Needs(("ecs:PutClusterCapacityProviders",)),
    "aws:ecs/service:Service": Needs(_tagged(
        "ecs", "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService",
    )),
    "aws:ecs/taskDefinition:TaskDefinition": Needs(_tagged(
        "ecs", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DeleteTaskDefinitions",
    ), passes_role_to="ecs-tasks.amazonaws.com"),
    "aws:elasticache/replicationGroup:ReplicationGroup": Needs((
        "elasticache:CreateReplicationGroup", "elasticache:ModifyReplicationGroup",
        "elasticache:DeleteReplicationGroup", "elasticache:CreateCacheCluster",
        "elasticache:DeleteCacheCluster", "elasticache:IncreaseReplicaCount",
        "elasticache:DecreaseReplicaCount", *_TAG_CACHE, *_USE_KEY,
        # slow and engine logs delivered to CloudWatch Logs
        "logs:CreateLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:PutResourcePolicy",
    ), service_linked_role="elasticache.amazonaws.com"),
    "aws:elasticache/subnetGroup:SubnetGroup": Needs((
        "elasticache:CreateCacheSubnetGroup", "elasticache:ModifyCacheSubnetGroup",
        "elasticache:DeleteCacheSubnetGroup", *_TAG_CACHE,
    )),
    # a role created before roleBoundaryArn was set gets the boundary with PutRolePermissionsBoundary
    "aws:iam/role:Role": Needs((
        "iam:CreateRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:TagRole",
        "iam:UntagRole", "iam:PutRolePermissionsBoundary",
    )),
    "aws:iam/rolePolicy:RolePolicy": Needs(("iam:PutRolePolicy", "iam:DeleteRolePolicy")),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Needs((
        "iam:AttachRolePolicy", "iam:DetachRolePolicy",
    )),
    "aws:kms/alias:Alias": Needs(("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")),
    "aws:kms/key:Key": Needs(_tagged(
        "kms", "kms:CreateKey", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation",
        "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion",
    )),
    "aws:lb/listener:Listener": Needs((
        "elasticloadbalancing:CreateListener", "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:DeleteListener", *_TAG_ELB,
    )),
    "aws:lb/loadBalancer:LoadBalancer": Needs((
        "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer", *_TAG_ELB,
    ), service_linked_role="elasticloadbalancing.amazonaws.com"),
    "aws:lb/targetGroup:TargetGroup": Needs((
        "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
        *_TAG_ELB,
    )),
    "aws:rds/instance:Instance": Needs((
        "rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:RebootDBInstance", "rds:DeleteDBInstance",
        "rds:CreateDBSnapshot", *_TAG_RDS, *_USE_KEY,
        # the RDS-managed master password lives in a secret RDS creates as the caller
        "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret",
    ), passes_role_to="monitoring.rds.amazonaws.com", service_linked_role="rds.amazonaws.com"),
    "aws:rds/parameterGroup:ParameterGroup": Needs((
        "rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:ResetDBParameterGroup",
        "rds:DeleteDBParameterGroup", *_TAG_RDS,
    )),
    "aws:rds/subnetGroup:SubnetGroup": Needs((
        "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", *_TAG_RDS,
    )),
    "aws:route53/record:Record": Needs(("route53:ChangeResourceRecordSets",)),
    "aws:s3/bucket:Bucket": Needs(("s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging")),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": Needs((
        "s3:PutLifecycleConfiguration",
    )),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": Needs(("s3:PutBucketOwnershipControls",)),
    "aws:s3/bucketPolicy:BucketPolicy": Needs(("s3:PutBucketPolicy", "s3:DeleteBucketPolicy")),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": Needs(("s3:PutBucketPublicAccessBlock",)),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": Needs((
        "s3:PutEncryptionConfiguration",
    )),
    "aws:s3/bucketVersioning:BucketVersioning": Needs(("s3:PutBucketVersioning",)),
    "aws:scheduler/schedule:Schedule": Needs((
        "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule",
    ), passes_role_to="scheduler.amazonaws.com"),
    # the web tier's internal name: Cloud Map makes (and deletes) the namespace's private hosted zone
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": Needs(_tagged(
        "servicediscovery", "servicediscovery:CreatePrivateDnsNamespace",
        "servicediscovery:UpdatePrivateDnsNamespace", "servicediscovery:DeleteNamespace",
        "route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:GetHostedZone",
        "route53:ListHostedZonesByName", "ec2:DescribeVpcs", "ec2:DescribeRegions",
    )),
    "aws:servicediscovery/service:Service": Needs(_tagged(
        "servicediscovery", "servicediscovery:CreateService", "servicediscovery:UpdateService",
        "servicediscovery:DeleteService",
    )),
    "aws:secretsmanager/secret:Secret": Needs(_tagged(
        "secretsmanager", "secretsmanager:CreateSecret", "secretsmanager:UpdateSecret",
        "secretsmanager:DeleteSecret", "kms:GenerateDataKey", "kms:Decrypt",
    )),
    "aws:secretsmanager/secretVersion:SecretVersion": Needs((
        "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage", "kms:GenerateDataKey",
        "kms:Decrypt",
    )),
    "aws:sns/topic:Topic": Needs(_tagged(
        "sns", "sns:CreateTopic", "sns:SetTopicAttributes", "sns:DeleteTopic",
    )),
    "aws:sns/topicPolicy:TopicPolicy": Needs(("sns:SetTopicAttributes",)),
    "aws:sns/topicSubscription:TopicSubscription": Needs((
        "sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes",
    )),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": Needs((
        "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsEgress", *_TAG_EC2,
    )),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": Needs((
        "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", *_TAG_EC2,
    )),
    "aws:wafv2/webAcl:WebAcl": Needs(_tagged(
        "wafv2", "wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL",
    )),
    "aws:wafv2/webAclAssociation:WebAclAssociation": Needs((
        "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "elasticloadbalancing:SetWebAcl",
    )),
    # docker-build pushes the Superset image to the stack's repository
    "docker-build:index:Image": Needs((
        "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
    )),
    # MigrationRun (aws/migration.py): boto3 runs the migration task, waking a stopped database, and
    # snapshots the database before a Superset upgrade, deleting its older pre-deploy snapshots
    "pulumi-python:dynamic:Resource": Needs((
        "ecs:RunTask", "rds:StartDBInstance", "rds:StopDBInstance",
        "rds:CreateDBSnapshot", "rds:DeleteDBSnapshot", "rds:AddTagsToResource",
    ), passes_role_to="ecs-tasks.amazonaws.com"),
    "random:index/randomPassword:RandomPassword": Needs(),  # generated by the engine, no AWS call
}  # fmt: skip
