"""GitHub's token subjects: this repository's pull requests, and one environment per deploy role,
per drill role and for the acceptance role."""

from __future__ import annotations

from superset_stack.bootstrap.github import GITHUB_ISSUER, github_subjects
from superset_stack.bootstrap.oidc import Subjects


def test_issuer() -> None:
    assert GITHUB_ISSUER == "https://token.actions.githubusercontent.com"


def test_pull_requests_preview_and_each_environment_deploys_and_drills_in_its_own() -> None:
    environment = "repo:acme/superset-stack:environment:"
    assert github_subjects("acme/superset-stack", ("dev", "prod")) == Subjects(
        preview="repo:acme/superset-stack:pull_request",
        deploy={"dev": f"{environment}dev", "prod": f"{environment}prod"},
        drill={"dev": f"{environment}dev-drill", "prod": f"{environment}prod-drill"},
        acceptance=f"{environment}acceptance",
    )
