"""The bootstrap program: settings -> key, state bucket, policies, CI identities -> stack outputs.

bootstrap/__main__.py calls `main()` under `pulumi up`; tests run `build` under recording mocks.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from superset_stack.bootstrap.github import GITHUB_ISSUER, github_subjects
from superset_stack.bootstrap.gitlab import gitlab_subjects
from superset_stack.bootstrap.oidc import CiIdentity, CiIdentityArgs
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
        ),
        opts=opts,
    )
    outputs: dict[str, Any] = {
        "loginUrl": pulumi.Output.format("s3://{0}?region={1}", state.bucket_name, settings.region),
        "secretsProvider": key.secrets_provider,
        "stateBucketName": state.bucket_name,
        "secretsKeyArn": key.key_arn,
    }
    identities = {"github": _github(settings, permissions)}
    if settings.gitlab_project:
        identities["gitlab"] = _gitlab(settings, permissions)
    for name, identity_args in identities.items():
        identity = CiIdentity(name, identity_args, opts=opts)
        outputs[f"{name}PreviewRoleArn"] = identity.preview_role_arn
        outputs[f"{name}DeployRoleArns"] = identity.deploy_role_arns
    return outputs


def _github(settings: BootstrapSettings, permissions: StackPermissions) -> CiIdentityArgs:
    preview, deploy = github_subjects(settings.github_repository, settings.environments)
    return CiIdentityArgs(
        issuer_url=GITHUB_ISSUER,
        label=f"GitHub Actions of {settings.github_repository}",
        preview_subject=preview,
        deploy_subjects=deploy,
        preview_policy_arns=permissions.preview_policy_arns,
        deploy_policy_arns=permissions.deploy_policy_arns,
        existing_provider_arn=settings.github_oidc_provider_arn,
    )


def _gitlab(settings: BootstrapSettings, permissions: StackPermissions) -> CiIdentityArgs:
    preview, deploy = gitlab_subjects(
        settings.gitlab_project, settings.gitlab_deploy_branch, settings.environments
    )
    return CiIdentityArgs(
        issuer_url=settings.gitlab_url,
        label=f"GitLab CI of {settings.gitlab_project}",
        preview_subject=preview,
        deploy_subjects=deploy,
        preview_policy_arns=permissions.preview_policy_arns,
        deploy_policy_arns=permissions.deploy_policy_arns,
        existing_provider_arn=settings.gitlab_oidc_provider_arn,
    )
