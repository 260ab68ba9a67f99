"""Bootstrap settings: defaults, every mistake reported at once word for word, Pulumi's strings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from superset_stack.bootstrap.settings import OPTIONS, REQUIRED, BootstrapSettings
from superset_stack.settings import SettingsError

ROOT = Path(__file__).resolve().parents[3]
MINIMAL = {"githubRepository": "acme/superset-stack", "owner": "data-platform", "costCenter": "analytics"}


def settings(**values: Any) -> BootstrapSettings:
    return BootstrapSettings.from_values(MINIMAL | values, region="us-east-1", stack="account")


def problems(values: dict[str, Any], region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as raised:
        BootstrapSettings.from_values(values, region=region, stack="account")
    return list(raised.value.problems)


def test_defaults() -> None:
    assert settings() == BootstrapSettings(
        github_repository="acme/superset-stack",
        environments=("dev", "staging", "prod"),
        owner="data-platform",
        cost_center="analytics",
        gitlab_project="",
        gitlab_url="https://gitlab.com",
        gitlab_deploy_branch="main",
        state_noncurrent_version_days=90,
        state_access_log_bucket="",
        github_oidc_provider_arn="",
        gitlab_oidc_provider_arn="",
        region="us-east-1",
        stack="account",
    )


def test_tags_name_the_project_owner_and_cost_center() -> None:
    assert settings().tags == {
        "Project": "superset-stack-bootstrap", "CostCenter": "analytics", "Owner": "data-platform",
        "Stack": "account", "ManagedBy": "pulumi",
    }  # fmt: skip


def test_every_missing_value_at_once() -> None:
    assert problems({}, region=None) == [
        "githubRepository: required. GitHub repository (owner/name) whose workflows may assume the preview and deploy roles.",
        "owner: required. Owner cost-allocation tag on every resource.",
        "costCenter: required. CostCenter cost-allocation tag on every resource.",
        "aws:region: required, the region of the state bucket and key",
    ]


def test_every_malformed_value_at_once() -> None:
    assert problems(MINIMAL | {
        "githubRepository": "superset-stack",
        "environments": ["dev", "prod east", "dev"],
        "gitlabProject": "superset",
        "gitlabUrl": "https://gitlab.example.com/gitlab",
        "gitlabDeployBranch": "release/*",
        "stateNoncurrentVersionDays": "ninety",
        "stateAccessLogBucket": "Logs_Bucket",
        "githubOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/gitlab.com",
        "tags": {"x": "y"},
    }) == [
        "tags: unknown key",
        "githubRepository: expected owner/name, e.g. acme/superset-stack, got 'superset-stack'",
        "environments: expected stack names (letters, digits, '-', '_', '.'), got 'prod east'",
        "gitlabProject: expected group/project, e.g. data/superset-stack, got 'superset'",
        "gitlabUrl: expected https://<host> without a path, got 'https://gitlab.example.com/gitlab'",
        "gitlabDeployBranch: expected a branch name without wildcards, got 'release/*'",
        "stateNoncurrentVersionDays: expected a whole number of days 1-3650, got 'ninety'",
        "stateAccessLogBucket: expected an S3 bucket name, got 'Logs_Bucket'",
        "githubOidcProviderArn: expected the ARN of the token.actions.githubusercontent.com provider, got "
        "'arn:aws:iam::123456789012:oidc-provider/gitlab.com'",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("environments", "message"),
    [
        ([], "environments: expected a list of at least one stack name, got []"),
        ("prod", "environments: expected a list of at least one stack name, got 'prod'"),
        (["dev", "dev"], "environments: each environment once, got ['dev', 'dev']"),
    ],
)
def test_environments_are_a_list_of_distinct_stack_names(environments: Any, message: str) -> None:
    assert problems(MINIMAL | {"environments": environments}) == [message]


@pytest.mark.parametrize("days", [0, 3651, "9.5", True])
def test_noncurrent_days_are_a_whole_number_in_range(days: Any) -> None:
    assert problems(MINIMAL | {"stateNoncurrentVersionDays": days}) == [
        f"stateNoncurrentVersionDays: expected a whole number of days 1-3650, got {days!r}"
    ]


def test_pulumi_strings_are_parsed() -> None:
    assert settings(stateNoncurrentVersionDays="30").state_noncurrent_version_days == 30
    assert settings(environments=["prod"]).environments == ("prod",)


def test_gitlab_with_a_subgroup_and_a_self_managed_instance() -> None:
    s = settings(gitlabProject="data/bi/superset", gitlabUrl="https://gitlab.example.com")
    assert (s.gitlab_project, s.gitlab_host) == ("data/bi/superset", "gitlab.example.com")


def test_an_existing_gitlab_provider_must_match_the_project_and_url() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"
    assert problems(MINIMAL | {"gitlabOidcProviderArn": arn}) == [
        "gitlabOidcProviderArn: only used with gitlabProject, which is empty"
    ]
    assert problems(MINIMAL | {"gitlabOidcProviderArn": arn, "gitlabProject": "data/superset",
                               "gitlabUrl": "https://gitlab.example.com"}) == [
        "gitlabOidcProviderArn: must be the provider of gitlabUrl https://gitlab.example.com, got "
        "'arn:aws:iam::123456789012:oidc-provider/gitlab.com'"
    ]  # fmt: skip
    assert settings(gitlabOidcProviderArn=arn, gitlabProject="data/superset").gitlab_oidc_provider_arn == arn


def test_the_project_file_declares_exactly_these_options() -> None:
    declared = yaml.safe_load((ROOT / "bootstrap" / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == [option.key for option in OPTIONS]
    for option in OPTIONS:
        entry = declared[option.key]
        assert entry["type"] == option.type, option.key
        if option.default is REQUIRED:
            assert "default" not in entry and entry["description"] == f"{option.description} Required."
        else:
            assert (entry["default"], entry["description"]) == (option.default, option.description), (
                option.key
            )
