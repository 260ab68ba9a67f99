"""GitLab's token subjects: any branch of the project previews, only the protected branch deploys,
drills and runs the acceptance test."""

from __future__ import annotations

from superset_stack.bootstrap.gitlab import gitlab_subjects
from superset_stack.bootstrap.oidc import Subjects


def test_any_branch_previews_and_the_deploy_branch_does_the_rest() -> None:
    main = "project_path:data/bi/superset:ref_type:branch:ref:main"
    assert gitlab_subjects("data/bi/superset", "main", ("staging", "prod")) == Subjects(
        preview="project_path:data/bi/superset:ref_type:branch:ref:*",
        deploy={"staging": main, "prod": main},
        drill={"staging": main, "prod": main},
        acceptance=main,
    )
