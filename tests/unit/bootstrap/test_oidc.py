"""CI identities: the provider, and roles trusted for exactly one subject with the sts audience."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.bootstrap.oidc import CiIdentity, CiIdentityArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROVIDER = "arn:aws:iam:us-east-1:123456789012:github"  # what the mocks give the created provider


def identity(**overrides: Any) -> Callable[[], CiIdentity]:
    values: dict[str, Any] = {
        "issuer_url": "https://token.actions.githubusercontent.com",
        "label": "GitHub Actions of acme/app",
        "preview_subject": "repo:acme/app:pull_request",
        "deploy_subjects": {"dev": "repo:acme/app:environment:dev", "prod": "repo:acme/app:environment:prod"},
        "preview_policy_arns": {"read": "arn:aws:iam::123456789012:policy/read"},
        "deploy_policy_arns": {"read": "arn:aws:iam::123456789012:policy/read",
                               "write": "arn:aws:iam::123456789012:policy/write"},
    }  # fmt: skip
    return lambda: CiIdentity("github", CiIdentityArgs(**(values | overrides)))


def trust(mocks: RecordingMocks, name: str) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(mocks.named(name).inputs["assumeRolePolicy"])
    return policy


def web_identity(provider: str, conditions: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                       "Action": "sts:AssumeRoleWithWebIdentity", "Condition": conditions}],
    }  # fmt: skip


def test_provider_accepts_only_the_sts_audience(build: Build) -> None:
    mocks = build(identity())
    assert mocks.inputs_of("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == [
        {"url": "https://token.actions.githubusercontent.com", "clientIdLists": ["sts.amazonaws.com"]}
    ]


def test_preview_role_trusts_pull_requests_of_the_repository_only(build: Build) -> None:
    mocks = build(identity())
    assert trust(mocks, "github-preview") == web_identity(PROVIDER, {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request",
    }})  # fmt: skip
    role = mocks.named("github-preview").inputs
    assert (role["description"], role["maxSessionDuration"]) == (
        "GitHub Actions of acme/app: preview (read-only)",
        3600,
    )


def test_each_deploy_role_trusts_its_environment_only(build: Build) -> None:
    mocks = build(identity())
    for environment in ("dev", "prod"):
        assert trust(mocks, f"github-deploy-{environment}") == web_identity(PROVIDER, {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:acme/app:environment:{environment}",
        }})  # fmt: skip
        role = mocks.named(f"github-deploy-{environment}").inputs
        assert (role["description"], role["maxSessionDuration"]) == (
            f"GitHub Actions of acme/app: deploy {environment}", 7200,
        )  # fmt: skip
    assert sorted(r.name for r in mocks.of_type(ROLE)) == [
        "github-deploy-dev",
        "github-deploy-prod",
        "github-preview",
    ]


def test_a_wildcard_subject_is_matched_with_string_like(build: Build) -> None:
    mocks = build(
        identity(issuer_url="https://gitlab.com", preview_subject="project_path:g/p:ref_type:branch:ref:*")
    )
    assert trust(mocks, "github-preview")["Statement"][0]["Condition"] == {
        "StringEquals": {"gitlab.com:aud": "sts.amazonaws.com"},
        "StringLike": {"gitlab.com:sub": "project_path:g/p:ref_type:branch:ref:*"},
    }


def test_policies_are_attached_by_name(build: Build) -> None:
    mocks = build(identity())
    attached = {r.name: r.inputs for r in mocks.of_type(ATTACHMENT)}
    assert attached == {
        "github-preview-read": {
            "role": "github-preview",
            "policyArn": "arn:aws:iam::123456789012:policy/read",
        },
        "github-deploy-dev-read": {
            "role": "github-deploy-dev",
            "policyArn": "arn:aws:iam::123456789012:policy/read",
        },
        "github-deploy-dev-write": {
            "role": "github-deploy-dev",
            "policyArn": "arn:aws:iam::123456789012:policy/write",
        },
        "github-deploy-prod-read": {
            "role": "github-deploy-prod",
            "policyArn": "arn:aws:iam::123456789012:policy/read",
        },
        "github-deploy-prod-write": {
            "role": "github-deploy-prod",
            "policyArn": "arn:aws:iam::123456789012:policy/write",
        },
    }


def test_an_existing_provider_is_used_instead_of_a_new_one(build: Build) -> None:
    existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    mocks = build(identity(existing_provider_arn=existing))
    assert mocks.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert trust(mocks, "github-deploy-prod")["Statement"][0]["Principal"] == {"Federated": existing}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issuer_url": "https://gitlab.com/"}, "issuer_url must be https://<host> without a trailing slash"),
        ({"deploy_session_seconds": 60}, "session seconds must be 3600-43200, got 60"),
        ({"deploy_subjects": {}}, "deploy_subjects: at least one environment"),
    ],
)
def test_rejects_arguments_iam_would_refuse(
    mocks: RecordingMocks, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        identity(**overrides)()
