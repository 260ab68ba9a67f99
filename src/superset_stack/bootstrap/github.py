"""Who GitHub Actions is to AWS: the issuer and the token subjects the roles trust.

GitHub's ID token carries `sub` = ``repo:OWNER/NAME:pull_request`` for a job of a pull request and
``repo:OWNER/NAME:environment:ENV`` for a job that names a deployment environment (the deploy
workflow's jobs do; the environment's protection rules, e.g. the required reviewers of prod and
"deployments from main only", are what a job must pass to get that token). So the preview role
trusts this repository's pull requests and each deploy role trusts exactly one environment of it.
The restore drill of a stack runs in an environment of its own, `ENV-drill` (dr-drill.yml: prod's
monthly run needs no reviewer, and no deploy job can assume the drill role or the other way round),
and the live acceptance test in `acceptance` (deploy.yml).
"""

from __future__ import annotations

from collections.abc import Sequence

from superset_stack.bootstrap.oidc import Subjects

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
DRILL_ENVIRONMENT_SUFFIX = "-drill"
ACCEPTANCE_ENVIRONMENT = "acceptance"


def github_subjects(repository: str, environments: Sequence[str]) -> Subjects:
    """The subjects of `repository`'s (owner/name) jobs, for each kind of role."""
    environment = f"repo:{repository}:environment:"
    return Subjects(
        preview=f"repo:{repository}:pull_request",
        deploy={env: f"{environment}{env}" for env in environments},
        drill={env: f"{environment}{env}{DRILL_ENVIRONMENT_SUFFIX}" for env in environments},
        acceptance=f"{environment}{ACCEPTANCE_ENVIRONMENT}",
    )
