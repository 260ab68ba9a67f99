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


DRILL_AND_ACCEPTANCE = {
    "drill_subjects": {"prod": "repo:acme/app:environment:prod-drill"},
    "drill_policy_arns": {"prod": {"drill": "arn:aws:iam::123456789012:policy/drill-prod"}},
    "acceptance_subject": "repo:acme/app:environment:acceptance",
    "acceptance_policy_arns": {"read": "arn:aws:iam::123456789012:policy/read",
                               "acceptance": "arn:aws:iam::123456789012:policy/acceptance"},
}  # fmt: skip


def test_the_drill_and_acceptance_roles_trust_their_own_subjects_and_attach_their_own_policies(
    build: Build,
) -> None:
    mocks = build(identity(**DRILL_AND_ACCEPTANCE))
    for name, subject, description, seconds in (
        ("github-drill-prod", "repo:acme/app:environment:prod-drill", "restore drill of prod", 7200),
        ("github-acceptance", "repo:acme/app:environment:acceptance", "live acceptance test (throw-away stacks)",
         10800),
    ):  # fmt: skip
        assert trust(mocks, name) == web_identity(PROVIDER, {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subject,
        }})  # fmt: skip
        role = mocks.named(name).inputs
        assert (role["description"], role["maxSessionDuration"]) == (
            f"GitHub Actions of acme/app: {description}",
            seconds,
        )
    attached = {r.name: r.inputs["policyArn"].rsplit("/", 1)[1] for r in mocks.of_type(ATTACHMENT)}
    assert {n: arn for n, arn in attached.items() if "deploy" not in n and "preview" not in n} == {
        "github-drill-prod-drill": "drill-prod",
        "github-acceptance-read": "read",
        "github-acceptance-acceptance": "acceptance",
    }


def test_without_their_subjects_there_are_no_drill_or_acceptance_roles(build: Build) -> None:
    created: list[CiIdentity] = []
    build(lambda: created.append(identity()()))
    assert (created[0].drill_role_arns, created[0].acceptance_role_arn) == ({}, None)


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
        ({"acceptance_session_seconds": 50000}, "session seconds must be 3600-43200, got 50000"),
        (
            {
                "drill_subjects": {"prod": "repo:acme/app:environment:prod-drill", "dev": "x"},
                "drill_policy_arns": {"prod": {}},
            },
            "drill_policy_arns: no policies for the drill roles of dev",
        ),
    ],
)
def test_rejects_arguments_iam_would_refuse(
    mocks: RecordingMocks, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        identity(**overrides)()
