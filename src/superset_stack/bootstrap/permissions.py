"""StackPermissions: the managed IAM policies of the CI roles, generated from actions.NEEDS.

Creates, once per account, managed policies the identities attach:
- ``<name>-read`` (preview and deploy): Describe*/Get*/List* on exactly the services the stack uses;
- ``<name>-preview-state`` (preview): list and read the state, decrypt with the secrets key, and an
  explicit deny on data reads (secret values, log events, objects outside the state bucket);
- ``<name>-write-N`` (deploy): the write actions of every resource type, one statement per service,
  split into as many policies as IAM's size limit needs;
- ``<name>-role-boundary`` (attached to no CI role): the permissions boundary every role of the
  stack carries (boundary.py), the ceiling of what a role a deploy creates may do;
- ``<name>-iam`` (deploy): role changes only on the stack's roles (ROLE_NAME_PREFIX) and, where IAM
  has the iam:PermissionsBoundary key, only on roles with the role boundary, which a deploy may
  neither remove, replace nor edit; attaching only the AWS policies the stack attaches, passing
  roles only to the services that assume them, and service-linked roles only for the services that
  make them;
- ``<name>-deploy-state`` (deploy): read and write the state and use the secrets key, with explicit
  denies that keep the state bucket's configuration and the key as the bootstrap left them;
- ``<name>-acceptance`` (the acceptance role, besides the deploy policies): what the live acceptance
  test's checks and teardown call beyond a deploy (acceptance/grants.py);
- ``<name>-drill-ENV`` (the drill role of ENV, alone): what the restore drill of stack ENV calls,
  scoped by that stack's names (ops/grants.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack.acceptance.grants import ACCEPTANCE
from superset_stack.bootstrap.actions import ATTACHED_POLICIES, DATA_READS, NEEDS, ROLE_NAME_PREFIX, Needs
from superset_stack.bootstrap.boundary import boundary_statements
from superset_stack.ops.grants import DRILL, Grant, placeholders

READ_VERBS = ("Describe*", "Get*", "List*")
POLICY_SIZE_LIMIT = 6144  # characters of a managed policy document, whitespace not counted
ROLE_POLICY_QUOTA = 10  # managed policies IAM attaches to one role (its default quota)
_ATTACH = ("iam:AttachRolePolicy", "iam:DetachRolePolicy")
# The role actions IAM evaluates iam:PermissionsBoundary for (the service authorization reference):
# the role's boundary, or for PutRolePermissionsBoundary the one being set.
_BOUNDED = ("iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy")
# What would change the boundary itself: a new default version, or a deleted policy.
_POLICY_CHANGES = (
    "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
)  # fmt: skip
_LISTING = ("s3:GetBucketLocation", "s3:ListBucket")
_STATE_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
_KEY_USE = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


def _document(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def services(needs: Mapping[str, Needs] = NEEDS) -> tuple[str, ...]:
    """The IAM service prefixes the stack's resource types use, sorted."""
    return tuple(sorted({action.split(":")[0] for need in needs.values() for action in need.actions}))


def read_statement(needs: Mapping[str, Needs] = NEEDS) -> dict[str, Any]:
    return _statement(
        "ReadTheStacksServices",
        "Allow",
        Action=[f"{service}:{verb}" for service in services(needs) for verb in READ_VERBS],
        Resource="*",
    )


def write_statements(needs: Mapping[str, Needs] = NEEDS) -> list[dict[str, Any]]:
    """One statement per service (IAM excepted: iam_statements scopes it), actions sorted."""
    by_service: dict[str, set[str]] = {}
    for need in needs.values():
        for action in need.actions:
            by_service.setdefault(action.split(":")[0], set()).add(action)
    by_service.pop("iam", None)
    return [
        _statement(
            "Write" + "".join(part.capitalize() for part in service.split("-")),
            "Allow",
            Action=sorted(actions),
            Resource="*",
        )
        for service, actions in sorted(by_service.items())
    ]


def _statement(sid: str, effect: str, **fields: Any) -> dict[str, Any]:
    """A statement: Action or NotAction, Resource or NotResource, and an optional Condition."""
    return {"Sid": sid, "Effect": effect, **fields}


def iam_statements(
    role_arns: pulumi.Input[str],
    service_linked_role_arns: pulumi.Input[str],
    policy_arns: Sequence[pulumi.Input[str]],
    boundary_arn: pulumi.Input[str],
    needs: Mapping[str, Needs] = NEEDS,
) -> list[dict[str, Any]]:
    """IAM for the stack's own roles only (`role_arns` is the ROLE_NAME_PREFIX pattern); creating
    them and changing their policies only with the role boundary `boundary_arn`, never removing,
    replacing or editing it."""
    iam = {a for need in needs.values() for a in need.actions if a.startswith("iam:")} - set(_ATTACH)
    passed = sorted({need.passes_role_to for need in needs.values() if need.passes_role_to})
    linked = sorted({need.service_linked_role for need in needs.values() if need.service_linked_role})
    bounded = {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}
    return [
        _statement(
            "ManageOnlyTheStacksRoles", "Allow", Action=sorted(iam - set(_BOUNDED)), Resource=role_arns,
        ),
        _statement(
            "CreateAndChangeOnlyBoundedRoles", "Allow", Action=sorted(iam & set(_BOUNDED)),
            Resource=role_arns, Condition=bounded,
        ),
        _statement(
            "AttachOnlyThePoliciesTheStackAttaches", "Allow", Action=list(_ATTACH), Resource=role_arns,
            Condition={"ArnEquals": {"iam:PolicyARN": list(policy_arns)}, **bounded},
        ),
        _statement(
            "PassTheStacksRolesOnlyToTheirServices", "Allow", Action="iam:PassRole", Resource=role_arns,
            Condition={"StringEquals": {"iam:PassedToService": passed}},
        ),
        _statement(
            "CreateOnlyTheStacksServiceLinkedRoles", "Allow", Action="iam:CreateServiceLinkedRole",
            Resource=service_linked_role_arns, Condition={"StringEquals": {"iam:AWSServiceName": linked}},
        ),
        _statement(
            "NeverRemoveARoleBoundary", "Deny", Action="iam:DeleteRolePermissionsBoundary", Resource="*",
        ),
        _statement(
            "NeverSetAnotherRoleBoundary", "Deny", Action="iam:PutRolePermissionsBoundary", Resource="*",
            Condition={"StringNotEquals": {"iam:PermissionsBoundary": boundary_arn}},
        ),
        _statement(
            "LeaveTheRoleBoundaryAsBootstrapped", "Deny", Action=list(_POLICY_CHANGES),
            Resource=boundary_arn,
        ),
    ]  # fmt: skip


def preview_state_statements(
    bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """Read the state and decrypt stack secrets; never read data the read wildcards would allow."""
    objects = pulumi.Output.concat(bucket_arn, "/*")
    return [
        _statement("ListTheState", "Allow", Action=list(_LISTING), Resource=bucket_arn),
        _statement("ReadTheState", "Allow", Action="s3:GetObject", Resource=objects),
        _statement(
            "DecryptTheStateAndStackSecrets", "Allow", Action=["kms:Decrypt", "kms:DescribeKey"],
            Resource=key_arn,
        ),
        _statement("NoDataReads", "Deny", Action=list(DATA_READS), Resource="*"),
        _statement(
            "NoObjectReadsOutsideTheState", "Deny", Action=["s3:GetObject", "s3:GetObjectVersion"],
            NotResource=objects,
        ),
    ]  # fmt: skip


def deploy_state_statements(
    bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str], alias_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """Read and write the state, use the key; deny anything else on the bootstrap's own bucket and key."""
    objects = pulumi.Output.concat(bucket_arn, "/*")
    return [
        _statement("ListTheState", "Allow", Action=list(_LISTING), Resource=bucket_arn),
        _statement("ReadAndWriteTheState", "Allow", Action=list(_STATE_OBJECT_ACTIONS), Resource=objects),
        _statement("EncryptTheStateAndStackSecrets", "Allow", Action=list(_KEY_USE), Resource=key_arn),
        _statement(
            "LeaveTheStateBucketAsBootstrapped", "Deny", NotAction=[*_LISTING, *_STATE_OBJECT_ACTIONS],
            Resource=[bucket_arn, objects],
        ),
        _statement(
            "LeaveTheSecretsKeyAsBootstrapped", "Deny", NotAction=list(_KEY_USE),
            Resource=[key_arn, alias_arn],
        ),
    ]  # fmt: skip


def grant_statements(
    grants: Sequence[Grant], partition: pulumi.Input[str], account_id: pulumi.Input[str], stack: str = ""
) -> list[dict[str, Any]]:
    """A call table's statements, its placeholders filled in for the account (and `stack`)."""
    values = placeholders(stack) if stack else {}

    def fill(template: str) -> pulumi.Input[str]:
        if "{" not in template:
            return template
        return pulumi.Output.format(template, partition=partition, account=account_id, **values)

    return [grant.statement(fill) for grant in grants]


def chunks(
    statements: Sequence[dict[str, Any]], limit: int = POLICY_SIZE_LIMIT
) -> list[list[dict[str, Any]]]:
    """Statements packed in order into as few policy documents as fit IAM's size limit."""
    packed: list[list[dict[str, Any]]] = [[]]
    for statement in statements:
        candidate = [*packed[-1], statement]
        if packed[-1] and len(json.dumps(_document(candidate), separators=(",", ":"))) > limit:
            packed.append([statement])
        else:
            packed[-1] = candidate
    return packed


@dataclass(frozen=True, kw_only=True)
class StackPermissionsArgs:
    """Inputs for :class:`StackPermissions`.

    Attributes:
        account_id: The account the stack deploys into.
        partition: AWS partition, e.g. ``aws``.
        state_bucket_arn: The state bucket.
        key_arn: The secrets-provider key.
        key_alias_arn: Its alias (a deploy must not re-point it).
        environments: The stacks that get a drill policy. Defaults to none.
    """

    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    state_bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    key_alias_arn: pulumi.Input[str]
    environments: Sequence[str] = ()


class StackPermissions(pulumi.ComponentResource):
    """The managed policies the preview, deploy, acceptance and drill roles attach, and the boundary
    of the stack's roles."""

    role_boundary_arn: pulumi.Output[str]
    preview_policy_arns: dict[str, pulumi.Output[str]]  # policy name suffix -> ARN
    deploy_policy_arns: dict[str, pulumi.Output[str]]
    acceptance_policy_arns: dict[str, pulumi.Output[str]]
    drill_policy_arns: dict[str, dict[str, pulumi.Output[str]]]  # environment -> its policies

    def __init__(
        self, name: str, args: StackPermissionsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("superset:permissions:StackPermissions", name, None, opts)
        iam = pulumi.Output.format("arn:{0}:iam::{1}:role/", args.partition, args.account_id)
        policy_arns = [pulumi.Output.format("arn:{0}:{1}", args.partition, arn) for arn in ATTACHED_POLICIES]
        writes = chunks(write_statements())
        if len(writes) + 4 > ROLE_POLICY_QUOTA:  # read, iam, deploy-state, acceptance
            raise ValueError(
                f"{len(writes) + 4} policies per acceptance role exceed IAM's quota of {ROLE_POLICY_QUOTA}"
            )
        stack_roles = pulumi.Output.concat(iam, ROLE_NAME_PREFIX, "*")
        linked_roles = pulumi.Output.concat(iam, "aws-service-role/*")
        boundary = aws.iam.Policy(
            f"{name}-role-boundary",
            description="The most any role superset-stack creates may do (their permissions boundary)",
            policy=pulumi.Output.json_dumps(_document(boundary_statements())),
            opts=pulumi.ResourceOptions(parent=self),
        )
        documents: dict[str, tuple[str, list[dict[str, Any]]]] = {
            "read": ("Read the configuration of the services superset-stack uses", [read_statement()]),
            "preview-state": (
                "Read the Pulumi state, no data",
                preview_state_statements(args.state_bucket_arn, args.key_arn),
            ),
            **{
                f"write-{n}": (f"Write superset-stack's resources ({n}/{len(writes)})", statements)
                for n, statements in enumerate(writes, start=1)
            },
            "iam": (
                "Manage superset-stack's own roles only",
                iam_statements(stack_roles, linked_roles, policy_arns, boundary.arn),
            ),
            "deploy-state": (
                "Read and write the Pulumi state",
                deploy_state_statements(args.state_bucket_arn, args.key_arn, args.key_alias_arn),
            ),
            "acceptance": (
                "Empty and delete what the live acceptance test's throw-away stacks leave",
                grant_statements(ACCEPTANCE, args.partition, args.account_id),
            ),
            **{
                f"drill-{env}": (
                    f"Run the restore drill of stack {env}",
                    grant_statements(DRILL, args.partition, args.account_id, env),
                )
                for env in args.environments
            },
        }
        arns = {
            suffix: aws.iam.Policy(
                f"{name}-{suffix}",
                description=description,
                policy=pulumi.Output.json_dumps(_document(statements)),
                opts=pulumi.ResourceOptions(parent=self),
            ).arn
            for suffix, (description, statements) in documents.items()
        }

        self.role_boundary_arn = boundary.arn
        self.preview_policy_arns = {suffix: arns[suffix] for suffix in ("read", "preview-state")}
        self.deploy_policy_arns = {
            suffix: arns[suffix] for suffix in ("read", *(f"write-{n}" for n in range(1, len(writes) + 1)),
                                                "iam", "deploy-state")
        }  # fmt: skip
        self.acceptance_policy_arns = {**self.deploy_policy_arns, "acceptance": arns["acceptance"]}
        self.drill_policy_arns = {env: {"drill": arns[f"drill-{env}"]} for env in args.environments}
        self.register_outputs({
            "role_boundary_arn": self.role_boundary_arn,
            "preview_policy_arns": self.preview_policy_arns,
            "deploy_policy_arns": self.deploy_policy_arns,
            "acceptance_policy_arns": self.acceptance_policy_arns,
            "drill_policy_arns": self.drill_policy_arns,
        })  # fmt: skip
