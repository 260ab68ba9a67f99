"""The whole bootstrap program under recording mocks: what it creates, its outputs and tags."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from superset_stack.bootstrap.actions import ROLE_NAME_PREFIX
from superset_stack.bootstrap.program import build as build_bootstrap
from superset_stack.bootstrap.program import main
from superset_stack.bootstrap.settings import PROJECT, BootstrapSettings
from superset_stack.plan.recording import RecordingMocks, install
from superset_stack.plan.recording import run as run_program

Build = Callable[[Callable[[], Any]], RecordingMocks]
ROOT = Path(__file__).resolve().parents[3]
GITHUB_ONLY = {"githubRepository": "acme/superset-stack", "owner": "data-platform", "costCenter": "analytics"}
WITH_GITLAB = GITHUB_ONLY | {"gitlabProject": "data/superset-stack", "environments": ["staging", "prod"]}


def run(build: Build, values: dict[str, Any]) -> tuple[RecordingMocks, dict[str, Any]]:
    """Record the program for `values`; returns the mocks and the resolved stack outputs."""
    outputs: dict[str, Any] = {}

    def program() -> None:
        settings = BootstrapSettings.from_values(values, region="eu-west-1", stack="account")
        for key, value in build_bootstrap(settings).items():
            pulumi.Output.from_input(value).apply(
                lambda resolved, key=key: outputs.__setitem__(key, resolved)
            )

    return build(program), outputs


def test_what_one_account_gets_with_github(build: Build) -> None:
    mocks, _ = run(build, GITHUB_ONLY)
    assert Counter(r.type for r in mocks if r.custom) == Counter({
        "pulumi:providers:aws": 1,
        "aws:kms/key:Key": 1, "aws:kms/alias:Alias": 1,
        "aws:s3/bucket:Bucket": 1, "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1, "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
        "aws:iam/policy:Policy": 7 + 3 + 1,  # a drill policy per stack, and the role boundary
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
        "aws:iam/role:Role": 1 + 3 + 3 + 1,  # preview, deploy and drill of dev, staging, prod, acceptance
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2 + 3 * 5 + 3 * 1 + 6,
    })  # fmt: skip


def test_outputs_say_how_to_log_in_encrypt_and_which_roles_to_assume(build: Build) -> None:
    _, outputs = run(build, WITH_GITLAB)
    arn = "arn:aws:iam:us-east-1:123456789012:"  # the mocks' ARN shape, in the mocks' region
    assert outputs == {
        "loginUrl": "s3://pulumi-state-bucket?region=eu-west-1",
        "secretsProvider": "awskms://alias/superset-stack-pulumi?region=eu-west-1",
        "stateBucketName": "pulumi-state-bucket",
        "secretsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/pulumi-secrets",
        "roleBoundaryArn": f"{arn}ci-role-boundary",
        "githubPreviewRoleArn": f"{arn}github-preview",
        "githubDeployRoleArns": {
            "staging": f"{arn}github-deploy-staging",
            "prod": f"{arn}github-deploy-prod",
        },
        "githubDrillRoleArns": {
            "staging": f"{arn}github-drill-staging",
            "prod": f"{arn}github-drill-prod",
        },
        "githubAcceptanceRoleArn": f"{arn}github-acceptance",
        "gitlabPreviewRoleArn": f"{arn}gitlab-preview",
        "gitlabDeployRoleArns": {
            "staging": f"{arn}gitlab-deploy-staging",
            "prod": f"{arn}gitlab-deploy-prod",
        },
        "gitlabDrillRoleArns": {
            "staging": f"{arn}gitlab-drill-staging",
            "prod": f"{arn}gitlab-drill-prod",
        },
        "gitlabAcceptanceRoleArn": f"{arn}gitlab-acceptance",
    }


def test_gitlab_gets_its_own_provider_and_roles(build: Build) -> None:
    mocks, _ = run(build, WITH_GITLAB)
    assert sorted(p.inputs["url"] for p in mocks.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) == [
        "https://gitlab.com", "https://token.actions.githubusercontent.com",
    ]  # fmt: skip
    assert sorted(r.name for r in mocks.of_type("aws:iam/role:Role")) == [
        "github-acceptance", "github-deploy-prod", "github-deploy-staging", "github-drill-prod",
        "github-drill-staging", "github-preview",
        "gitlab-acceptance", "gitlab-deploy-prod", "gitlab-deploy-staging", "gitlab-drill-prod",
        "gitlab-drill-staging", "gitlab-preview",
    ]  # fmt: skip


def test_the_provider_tags_everything_and_sits_in_the_region(build: Build) -> None:
    mocks, _ = run(build, GITHUB_ONLY)
    (provider,) = mocks.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": {
        "Project": "superset-stack-bootstrap", "CostCenter": "analytics", "Owner": "data-platform",
        "Stack": "account", "ManagedBy": "pulumi",
    }}  # fmt: skip
    assert all(r.provider and "bootstrap-aws" in r.provider for r in mocks if r.custom and r is not provider)


def test_the_ci_roles_are_out_of_reach_of_the_deploy_roles(build: Build) -> None:
    mocks, _ = run(build, WITH_GITLAB)
    assert not [r.name for r in mocks.of_type("aws:iam/role:Role") if r.name.startswith(ROLE_NAME_PREFIX)]


def test_the_project_entry_point_stays_a_few_lines() -> None:
    source = (ROOT / "bootstrap" / "__main__.py").read_text()
    assert "from superset_stack.bootstrap.program import main" in source
    assert len(source.splitlines()) <= 8


def test_main_reads_the_stack_config_as_the_engine_hands_it() -> None:
    mocks = RecordingMocks(region="eu-west-1")
    install(mocks, project=PROJECT, stack="account")
    pulumi.runtime.set_all_config({
        "aws:region": "eu-west-1",
        f"{PROJECT}:githubRepository": "acme/superset-stack",
        f"{PROJECT}:owner": "data-platform",
        f"{PROJECT}:costCenter": "analytics",
        f"{PROJECT}:environments": '["prod"]',  # arrays arrive as JSON
        f"{PROJECT}:stateNoncurrentVersionDays": "30",
    })  # fmt: skip
    try:
        run_program(main, mocks)
    finally:
        pulumi.runtime.set_all_config({})
    assert sorted(r.name for r in mocks.of_type("aws:iam/role:Role")) == [
        "github-acceptance",
        "github-deploy-prod",
        "github-drill-prod",
        "github-preview",
    ]
    (lifecycle,) = mocks.inputs_of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle["rules"][0]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
