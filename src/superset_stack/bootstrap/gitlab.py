"""Who GitLab CI is to AWS: the token subjects the roles trust.

GitLab's ID token carries `sub` = ``project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH``. A merge
request pipeline runs on its source branch, so the preview role trusts any branch of this project;
the deploy roles trust only the protected deploy branch (GitLab's `sub` has no environment, so the
prod approval is GitLab's protected environment on the deploy job, not a separate subject).
"""

from __future__ import annotations

from collections.abc import Sequence


def gitlab_subjects(
    project: str, deploy_branch: str, environments: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """(the preview subject, environment -> deploy subject) for `project` (group/project)."""
    branch = f"project_path:{project}:ref_type:branch:ref:"
    return f"{branch}*", {env: f"{branch}{deploy_branch}" for env in environments}
