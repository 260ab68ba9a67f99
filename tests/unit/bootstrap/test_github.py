"""GitHub's token subjects: this repository's pull requests, and one environment per deploy role."""

from __future__ import annotations

from superset_stack.bootstrap.github import GITHUB_ISSUER, github_subjects


def test_issuer() -> None:
    assert GITHUB_ISSUER == "https://token.actions.githubusercontent.com"


def test_pull_requests_preview_and_each_environment_deploys() -> None:
    assert github_subjects("acme/superset-stack", ("dev", "prod")) == (
        "repo:acme/superset-stack:pull_request",
        {
            "dev": "repo:acme/superset-stack:environment:dev",
            "prod": "repo:acme/superset-stack:environment:prod",
        },
    )
