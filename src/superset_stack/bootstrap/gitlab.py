"""Who GitLab CI is to AWS: the token subjects the roles trust.

GitLab's ID token carries `sub` = ``project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH``. A merge
request pipeline runs on its source branch, so the preview role trusts any branch of this project;
the deploy roles trust only the protected deploy branch (GitLab's `sub` has no environment, so the
prod approval is GitLab's protected environment on the deploy job, not a separate subject). The
drill and acceptance roles trust that branch too: on GitLab what tells them from a deploy is the
job that assumes them (its rules and its environment's variables), not the token.
"""

from __future__ import annotations

from collections.abc import Sequence

from superset_stack.bootstrap.oidc import Subjects


def gitlab_subjects(project: str, deploy_branch: str, environments: Sequence[str]) -> Subjects:
    """The subjects of `project`'s (group/project) jobs, for each kind of role."""
    branch = f"project_path:{project}:ref_type:branch:ref:"
    protected = f"{branch}{deploy_branch}"
    return Subjects(
        preview=f"{branch}*",
        deploy=dict.fromkeys(environments, protected),
        drill=dict.fromkeys(environments, protected),
        acceptance=protected,
    )
