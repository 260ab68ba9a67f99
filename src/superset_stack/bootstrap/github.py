"""Who GitHub Actions is to AWS: the issuer and the token subjects the roles trust.

GitHub's ID token carries `sub` = ``repo:OWNER/NAME:pull_request`` for a job of a pull request and
``repo:OWNER/NAME:environment:ENV`` for a job that names a deployment environment (the deploy
workflow's jobs do; the environment's protection rules, e.g. the required reviewers of prod and
"deployments from main only", are what a job must pass to get that token). So the preview role
trusts this repository's pull requests and each deploy role trusts exactly one environment of it.
"""

from __future__ import annotations

from collections.abc import Sequence

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def github_subjects(repository: str, environments: Sequence[str]) -> tuple[str, dict[str, str]]:
    """(the preview subject, environment -> deploy subject) for `repository` (owner/name)."""
    return f"repo:{repository}:pull_request", {
        env: f"repo:{repository}:environment:{env}" for env in environments
    }
