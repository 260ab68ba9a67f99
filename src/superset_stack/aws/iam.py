"""IAM policy documents the components share (JSON built with Output.json_dumps, never in apply()),
and the one builder of the roles AWS services assume (`service_role`).

Every role carries the account's role boundary when the stack is given one (roleBoundaryArn: the
bootstrap's `roleBoundaryArn` output, docs/delivery.md): the ceiling of what any of the stack's
roles may do, which the deploy roles may not create a role without.

Every role an AWS service assumes is limited to this account (aws:SourceAccount) and, where the
service documents which ARN it sends, to the resource acting (aws:SourceArn): another account's
use of the same service cannot borrow the role (the confused deputy). The documented forms:

- ecs-tasks.amazonaws.com: `arn:<partition>:ecs:<region>:<account>:*` (ECS, "Task IAM role":
  naming a cluster is not supported);
- monitoring.rds.amazonaws.com: `arn:<partition>:rds:<region>:<account>:db:<identifier>` (RDS,
  "Setting up and enabling Enhanced Monitoring", its confused deputy section);
- scheduler.amazonaws.com: `arn:<partition>:scheduler:<region>:<account>:schedule-group/<group>`
  (EventBridge Scheduler, "Confused deputy prevention": the group, never a schedule);
- vpc-flow-logs.amazonaws.com: `arn:<partition>:ec2:<region>:<account>:vpc-flow-log/*` (VPC, "IAM
  role for publishing flow logs to CloudWatch Logs"; the flow log's ID is unknown before its role);
- backup.amazonaws.com: aws:SourceAccount only. AWS Backup documents aws:SourceArn for its SNS
  topics and KMS keys, not for the role it assumes; aws:SourceAccount on that role is in use in
  public modules (nationalarchives/terraform-aws-immutable-aws-backup). First deploy: run an
  on-demand backup and see it complete (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws


def policy_document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document (2012-10-17) of these statements."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust(
    service: str, *, account_id: pulumi.Input[str], source_arn: pulumi.Input[str] | None
) -> pulumi.Output[str]:
    """A trust policy letting one AWS service principal assume the role, only on behalf of
    `account_id` and, with `source_arn` (None where the service documents none, see above), of the
    resources matching it (ArnLike, so `*` may stand for a part AWS assigns)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ]
    )


def service_role(
    name: str,
    *,
    service: str,
    description: str,
    account_id: pulumi.Input[str],
    source_arn: pulumi.Input[str] | None,
    permissions_boundary: str | None,
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """Role `name` that only `service` assumes (service_trust), bounded by `permissions_boundary`
    (a managed policy ARN) when given, with no boundary when None."""
    return aws.iam.Role(
        name,
        description=description,
        assume_role_policy=service_trust(service, account_id=account_id, source_arn=source_arn),
        permissions_boundary=permissions_boundary,
        opts=opts,
    )
