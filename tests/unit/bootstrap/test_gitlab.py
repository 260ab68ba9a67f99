"""GitLab's token subjects: any branch of the project previews, only the protected branch deploys."""

from __future__ import annotations

from superset_stack.bootstrap.gitlab import gitlab_subjects


def test_any_branch_previews_and_the_deploy_branch_deploys() -> None:
    assert gitlab_subjects("data/bi/superset", "main", ("staging", "prod")) == (
        "project_path:data/bi/superset:ref_type:branch:ref:*",
        {
            "staging": "project_path:data/bi/superset:ref_type:branch:ref:main",
            "prod": "project_path:data/bi/superset:ref_type:branch:ref:main",
        },
    )
