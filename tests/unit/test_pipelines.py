"""The CI/CD pipelines: the GitHub workflows pass actionlint, .gitlab-ci.yml passes GitLab's published
schema (both tools run as the user runs them), every action is pinned, AWS is reached through OIDC
only, deploys go dev -> live acceptance -> staging -> prod, the drill runs as its own role, and the
plan-difference script works on a real checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from superset_stack.acceptance.run import REQUIRED_ENVIRONMENT, REQUIRED_FLAG

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
GITLAB = ROOT / ".gitlab-ci.yml"
BIN = Path(sys.executable).parent
STACKS = ["dev", "staging", "prod"]


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is missing: pip install -e '.[dev]' installs it"
    return str(path)


def workflow(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return document


class _GitLabLoader(yaml.SafeLoader):
    """YAML with GitLab's !reference tag, kept as ("!reference", job, key)."""


_GitLabLoader.add_constructor(
    "!reference", lambda loader, node: ("!reference", *loader.construct_sequence(node))
)


def gitlab() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(GITLAB.read_text(), Loader=_GitLabLoader)
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def test_workflows_pass_actionlint() -> None:
    # ShellCheck and pyflakes integrations off: the same verdict wherever they are (not) installed.
    result = subprocess.run(
        [tool("actionlint"), "-shellcheck=", "-pyflakes=", *map(str, WORKFLOWS)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert [path.name for path in WORKFLOWS] == [
        "deploy.yml",
        "dr-drill.yml",
        "pull-request.yml",
        "pulumi-up.yml",
    ]
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_does_find_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n'
    )
    result = subprocess.run([tool("actionlint"), "-shellcheck=", "-pyflakes=", str(broken)],
                            cwd=tmp_path, capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 1
    assert '"github.event.head_commit.message" is potentially untrusted' in result.stdout


def test_gitlab_ci_passes_its_published_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(GITLAB)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done"), result.stderr


def test_the_schema_check_does_find_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text("job:\n  script: [echo]\n  when: sometimes\n")
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(broken)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "'sometimes' is not one of" in result.stdout


def test_every_action_is_pinned_to_a_full_commit() -> None:
    uses = [match for path in WORKFLOWS for match in re.findall(r"uses: (\S+)", path.read_text())]
    third_party = [use for use in uses if not use.startswith("./")]
    assert third_party
    assert [use for use in third_party if not re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use)] == []


def test_aws_only_through_oidc_roles() -> None:
    texts = [path.read_text() for path in WORKFLOWS] + [GITLAB.read_text()]
    assert not any(
        re.search(r"aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY", t) for t in texts
    )
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            assuming = [s for s in steps(job) if "configure-aws-credentials" in s.get("uses", "")]
            if assuming:
                assert job["permissions"] == {"contents": "read", "id-token": "write"}, path.name
                assert all(set(s["with"]) >= {"role-to-assume", "aws-region"} for s in assuming)
    ci = gitlab()
    assert ci[".oidc"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    assert ci[".aws"]["extends"] == ".oidc" and ci[".aws"]["before_script"][0] == (
        "!reference",
        ".oidc",
        "before_script",
    )
    jobs = {name: job for name, job in ci.items() if isinstance(job, dict)}
    assuming = {name for name, job in jobs.items() if "AWS_ROLE_ARN" in job.get("variables", {})}
    assert assuming == {".preview", ".deploy", "acceptance", "dr-drill"}
    assert all(ci[name]["extends"] in (".aws", ".oidc") for name in assuming)


def test_pull_requests_plan_every_stack_comment_once_and_preview_read_only() -> None:
    jobs = workflow("pull-request.yml")["jobs"]
    plan_runs = " ".join(s.get("run", "") for s in steps(jobs["plan"]))
    assert ".github/scripts/plan-difference.sh .base plans dev staging prod" in plan_runs
    assert "PATCH" in plan_runs and "POST" in plan_runs  # the one comment is updated in place
    assert jobs["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert [entry["stack"] for entry in jobs["preview"]["strategy"]["matrix"]["include"]] == STACKS
    (assume,) = [s for s in steps(jobs["preview"]) if "configure-aws-credentials" in s.get("uses", "")]
    assert assume["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert 'pulumi preview --stack "$STACK" --policy-pack policy' in steps(jobs["preview"])[-1]["run"]


def test_merges_deploy_dev_then_staging_then_prod_each_in_its_environment() -> None:
    deploy = workflow("deploy.yml")
    assert deploy[True] == {
        "push": {"branches": ["main"]},
        "workflow_dispatch": None,
    }  # YAML reads `on` as True
    jobs = deploy["jobs"]
    assert [(name, job.get("needs"), job.get("with", {}).get("stack")) for name, job in jobs.items()] == [
        ("dev", None, "dev"), ("acceptance", "dev", None), ("staging", ["dev", "acceptance"], "staging"),
        ("prod", "staging", "prod"),
    ]  # fmt: skip
    assert {job["uses"] for name, job in jobs.items() if name != "acceptance"} == {
        "./.github/workflows/pulumi-up.yml"
    }
    (up,) = workflow("pulumi-up.yml")["jobs"].values()
    assert up["environment"] == "${{ inputs.stack }}"
    (assume,) = [s for s in steps(up) if "configure-aws-credentials" in s.get("uses", "")]
    assert assume["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert 'pulumi up --stack "$STACK" --policy-pack policy --yes' in steps(up)[-2]["run"]


def test_the_restore_drill_runs_monthly_for_prod_as_its_drill_role_and_keeps_the_report() -> None:
    drill = workflow("dr-drill.yml")
    assert drill[True]["schedule"] == [{"cron": "17 6 3 * *"}]  # once a month
    assert drill[True]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["prod", "staging", "dev"]
    (job,) = drill["jobs"].values()
    # a schedule has no inputs: prod; the drill role trusts this environment only (bootstrap/github.py)
    assert job["environment"] == "${{ inputs.stack || 'prod' }}-drill"
    (assume,) = [s for s in steps(job) if "configure-aws-credentials" in s.get("uses", "")]
    assert assume["with"]["role-to-assume"] == "${{ vars.AWS_DRILL_ROLE_ARN }}"
    runs = [s.get("run", "") for s in steps(job)]
    assert any(
        'superset-stack dr-drill --stack "$STACK" --report-dir "dr-drill-$STACK"' in run for run in runs
    )
    (keep,) = [s for s in steps(job) if "upload-artifact" in s.get("uses", "")]
    assert (keep["if"], keep["with"]["path"]) == ("always()", "dr-drill-${{ inputs.stack || 'prod' }}/")


def test_gitlab_does_the_same_with_a_manual_prod() -> None:
    ci = gitlab()
    assert "plan-difference.sh .base plans dev staging prod" in " ".join(ci["plan"]["script"])
    assert [ci[f"preview-{stack}"]["variables"]["STACK"] for stack in STACKS] == STACKS
    assert [(ci[f"deploy-{s}"].get("needs"), ci[f"deploy-{s}"]["environment"]["name"]) for s in STACKS] == [
        (None, "dev"), (["deploy-dev", "acceptance"], "staging"), (["deploy-staging"], "prod"),
    ]  # fmt: skip
    assert ci["deploy-prod"]["rules"][0]["when"] == "manual"
    assert ci[".deploy"]["variables"]["AWS_ROLE_ARN"] == "$AWS_DEPLOY_ROLE_ARN"
    # a scheduled pipeline on the default branch drills; it never deploys
    deploy_rules = [
        rule["if"] for job in (".deploy", "deploy-prod", "acceptance") for rule in ci[job]["rules"]
    ]
    assert all('$CI_PIPELINE_SOURCE != "schedule"' in rule for rule in deploy_rules)
    drill = ci["dr-drill"]
    assert drill["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule" && $SCHEDULED_JOB == "dr-drill"'}]
    assert (drill["environment"], drill["variables"]) == (
        {"name": "$DRILL_STACK-drill", "action": "access"},
        {"DRILL_STACK": "prod", "AWS_ROLE_ARN": "$AWS_DRILL_ROLE_ARN"},
    )
    assert drill["script"] == [
        '.venv/bin/superset-stack dr-drill --stack "$DRILL_STACK" --report-dir "dr-drill-$DRILL_STACK"'
    ]


def test_the_live_acceptance_test_runs_after_the_dev_deploy_as_its_role_and_cannot_pass_by_skipping() -> None:
    (job,) = [job for name, job in workflow("deploy.yml")["jobs"].items() if name == "acceptance"]
    assert (job["needs"], job["environment"]) == ("dev", "acceptance")
    assert job["permissions"] == {"contents": "read", "id-token": "write"}  # OIDC, no stored keys
    names = [s.get("uses", s.get("name", "")) for s in steps(job)]
    assume, pulumi, run = (
        next(i for i, n in enumerate(names) if word in n) for word in ("configure-aws-credentials", "pulumi/actions", "Up,")
    )  # fmt: skip
    assert pulumi < assume < run == len(names) - 1  # the CLI and the credentials are there before the test
    assert steps(job)[assume]["with"]["role-to-assume"] == "${{ vars.AWS_ACCEPTANCE_ROLE_ARN }}"
    assert (
        steps(job)[assume]["with"]["role-duration-seconds"] == 10800
    )  # the acceptance role's longest session
    test = steps(job)[run]
    assert test["run"] == "python -m pytest tests/live -m live -p no:cacheprovider -ra"
    # every variable the skip reason asks for is set, and a reason left would fail the job, not skip it
    assert set(REQUIRED_ENVIRONMENT) | {REQUIRED_FLAG, "PULUMI_BACKEND_URL"} <= set(test["env"])
    assert test["env"][REQUIRED_FLAG] == "1"
    assert job["runs-on"] == "ubuntu-24.04"  # docker for the image, natively for the dev preset's X86_64
    gitlab_job = gitlab()["acceptance"]
    assert (gitlab_job["extends"], gitlab_job["needs"]) == (
        ".aws",
        ["deploy-dev"],
    )  # OIDC, and dind's DOCKER_HOST
    assert gitlab_job["variables"] == {"AWS_ROLE_ARN": "$AWS_ACCEPTANCE_ROLE_ARN", REQUIRED_FLAG: "1",
                                       "SUPERSET_LIVE_REGION": "$AWS_REGION"}  # fmt: skip
    assert gitlab_job["script"][-1] == ".venv/bin/python -m pytest tests/live -m live -p no:cacheprovider -ra"


def test_with_the_required_flag_a_missing_credential_fails_the_live_test_instead_of_skipping(
    tmp_path: Path,
) -> None:
    quiet = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "src"), "HOME": str(tmp_path),
             "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
             "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    outcomes = {}
    for flag in ("", "1"):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/live", "-p", "no:cacheprovider", "-q", "-ra"],
            cwd=ROOT, env=quiet | ({REQUIRED_FLAG: flag} if flag else {}),
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
        outcomes[flag] = (result.returncode, result.stdout + result.stderr)
    assert outcomes[""][0] == 0 and "1 skipped" in outcomes[""][1]
    assert outcomes["1"][0] == 4  # a usage error: nothing ran, nothing skipped
    assert (
        f"{REQUIRED_FLAG} is set, but the live acceptance test needs: no AWS credentials" in outcomes["1"][1]
    )


def test_the_stacks_the_pipelines_know_are_the_repositorys() -> None:
    assert sorted(path.name for path in ROOT.glob("Pulumi.*.yaml")) == [
        f"Pulumi.{s}.yaml" for s in sorted(STACKS)
    ]


def test_plan_difference_script_on_an_unchanged_copy(tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(ROOT / "src", base / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Pulumi.dev.yaml", base)
    environment = os.environ | {
        "PYTHONPATH": str(ROOT / "src")
    }  # this checkout, as the venv may be another's
    result = subprocess.run(
        [str(ROOT / ".github" / "scripts" / "plan-difference.sh"), str(base), str(tmp_path / "out"), "dev"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    comment = (tmp_path / "out" / "comment.md").read_text()
    assert comment.startswith(
        "<!-- superset-stack plan difference -->\n## Offline plan: this change against the base"
    )
    # Same sources in another folder: the build context path is read as this checkout's, nothing differs.
    assert "- Resources: **0 added, 0 changed, 0 removed**" in comment
    assert "No resource or policy changes." in comment
    assert sorted(p.name for p in (tmp_path / "out" / "dev").iterdir()) == [
        "architecture.svg", "base.json", "base.log", "plan.json", "plan.log", "plan.md",
    ]  # fmt: skip


def test_plan_difference_script_fails_for_a_stack_that_does_not_plan(tmp_path: Path) -> None:
    stack = "nosuchstack"
    base = tmp_path / "base"
    (base / "src").mkdir(parents=True)
    environment = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [str(ROOT / ".github" / "scripts" / "plan-difference.sh"), str(base), str(tmp_path / "out"), stack],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    comment = (tmp_path / "out" / "comment.md").read_text()
    assert f"**Stack `{stack}` fails its plan**" in comment
    assert f"stack file '{ROOT / f'Pulumi.{stack}.yaml'}' does not exist" in comment
    assert (tmp_path / "out" / stack / "base.json").read_text() == "{}\n"


def test_only_the_drill_and_the_acceptance_job_name_the_environments_their_roles_trust() -> None:
    named = {
        (path.name, name): str(job.get("environment", ""))
        for path in WORKFLOWS
        for name, job in yaml.safe_load(path.read_text())["jobs"].items()
    }
    assert {where for where, env in named.items() if env.endswith("-drill")} == {("dr-drill.yml", "drill")}
    assert {where for where, env in named.items() if env == "acceptance"} == {("deploy.yml", "acceptance")}
