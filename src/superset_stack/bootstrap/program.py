"""The bootstrap program: settings -> key, state bucket, policies, CI identities -> stack outputs.

bootstrap/__main__.py calls `main()` under `pulumi up`; tests run `build` under recording mocks.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack.bootstrap.github import GITHUB_ISSUER, github_subjects
from superset_stack.bootstrap.gitlab import gitlab_subjects
from superset_stack.bootstrap.oidc import CiIdentity, CiIdentityArgs, Subjects
from superset_stack.bootstrap.permissions import StackPermissions, StackPermissionsArgs
from superset_stack.bootstrap.secrets_provider import SecretsProviderKey, SecretsProviderKeyArgs
from superset_stack.bootstrap.settings import BootstrapSettings
from superset_stack.bootstrap.state_bucket import StateBucket, StateBucketArgs


def main() -> None:
    for key, value in build(BootstrapSettings.load()).items():
        pulumi.export(key, value)


def build(settings: BootstrapSettings) -> dict[str, Any]:
    """Declare every bootstrap resource for `settings`; returns the stack outputs."""
    provider = aws.Provider("bootstrap-aws", region=settings.region, default_tags={"tags": settings.tags})
    opts = pulumi.ResourceOptions(provider=provider)
    invoke = pulumi.InvokeOutputOptions(provider=provider)
    account_id = aws.get_caller_identity_output(opts=invoke).account_id
    partition = aws.get_partition_output(opts=invoke).partition

    key = SecretsProviderKey(
        "pulumi-secrets",
        SecretsProviderKeyArgs(account_id=account_id, partition=partition, region=settings.region),
        opts=opts,
    )
    state = StateBucket(
        "pulumi-state",
        StateBucketArgs(
            kms_key_arn=key.key_arn,
            noncurrent_version_expiration_days=settings.state_noncurrent_version_days,
            access_log_bucket=settings.state_access_log_bucket,
        ),
        opts=opts,
    )
    permissions = StackPermissions(
        "ci",
        StackPermissionsArgs(
            account_id=account_id,
            partition=partition,
            state_bucket_arn=state.bucket_arn,
            key_arn=key.key_arn,
            key_alias_arn=key.alias_arn,
            environments=settings.environments,
        ),
        opts=opts,
    )
    outputs: dict[str, Any] = {
        "loginUrl": pulumi.Output.format("s3://{0}?region={1}", state.bucket_name, settings.region),
        "secretsProvider": key.secrets_provider,
        "stateBucketName": state.bucket_name,
        "secretsKeyArn": key.key_arn,
        "roleBoundaryArn": permissions.role_boundary_arn,
    }
    identities = {"github": _github(settings, permissions)}
    if settings.gitlab_project:
        identities["gitlab"] = _gitlab(settings, permissions)
    for name, identity_args in identities.items():
        identity = CiIdentity(name, identity_args, opts=opts)
        outputs[f"{name}PreviewRoleArn"] = identity.preview_role_arn
        outputs[f"{name}DeployRoleArns"] = identity.deploy_role_arns
        outputs[f"{name}DrillRoleArns"] = identity.drill_role_arns
        outputs[f"{name}AcceptanceRoleArn"] = identity.acceptance_role_arn
    return outputs


def _github(settings: BootstrapSettings, permissions: StackPermissions) -> CiIdentityArgs:
    subjects = github_subjects(settings.github_repository, settings.environments)
    return _identity_args(
        GITHUB_ISSUER, f"GitHub Actions of {settings.github_repository}", subjects, permissions,
        settings.github_oidc_provider_arn,
    )  # fmt: skip


def _gitlab(settings: BootstrapSettings, permissions: StackPermissions) -> CiIdentityArgs:
    subjects = gitlab_subjects(settings.gitlab_project, settings.gitlab_deploy_branch, settings.environments)
    return _identity_args(
        settings.gitlab_url, f"GitLab CI of {settings.gitlab_project}", subjects, permissions,
        settings.gitlab_oidc_provider_arn,
    )  # fmt: skip


def _identity_args(
    issuer_url: str, label: str, subjects: Subjects, permissions: StackPermissions, existing_provider_arn: str
) -> CiIdentityArgs:
    return CiIdentityArgs(
        issuer_url=issuer_url,
        label=label,
        preview_subject=subjects.preview,
        deploy_subjects=subjects.deploy,
        drill_subjects=subjects.drill,
        acceptance_subject=subjects.acceptance,
        preview_policy_arns=permissions.preview_policy_arns,
        deploy_policy_arns=permissions.deploy_policy_arns,
        drill_policy_arns=permissions.drill_policy_arns,
        acceptance_policy_arns=permissions.acceptance_policy_arns,
        existing_provider_arn=existing_provider_arn,
    )
