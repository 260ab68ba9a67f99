"""Settings of the bootstrap project (bootstrap/Pulumi.yaml): the only reader of its configuration.

Typed, frozen and validated before any resource is declared; every mistake is reported at once
(SettingsError, one line per problem, naming the key, the value given and what is allowed). The
option table below is also what bootstrap/Pulumi.yaml declares (a test keeps them equal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from superset_stack.settings import SettingsError

PROJECT = "superset-stack-bootstrap"
REQUIRED = object()

_NAME = r"[A-Za-z0-9_.-]+"
_ARN_PREFIX = r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/"


def _matching(pattern: str, expected: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str) or not re.fullmatch(pattern, raw):
            raise ValueError(f"expected {expected}, got {raw!r}")
        return raw

    return parse


def _optional(parse: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda raw: "" if raw == "" else parse(raw)


def _days(raw: Any) -> int:
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or not 1 <= int(text) <= 3650:
        raise ValueError(f"expected a whole number of days 1-3650, got {raw!r}")
    return int(text)


def _environments(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValueError(f"expected a list of at least one stack name, got {raw!r}")
    names = tuple(str(item) for item in raw)
    wrong = [name for name in names if not re.fullmatch(_NAME, name)]
    if wrong:
        raise ValueError(
            f"expected stack names (letters, digits, '-', '_', '.'), got {', '.join(map(repr, wrong))}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"each environment once, got {list(names)}")
    return names


@dataclass(frozen=True)
class Option:
    key: str
    type: str  # string | integer | array, as in Pulumi.yaml
    default: Any  # REQUIRED when there is none
    description: str
    parse: Callable[[Any], Any]


OPTIONS: tuple[Option, ...] = (
    Option("githubRepository", "string", REQUIRED,
           "GitHub repository (owner/name) whose workflows may assume the preview and deploy roles.",
           _matching(rf"{_NAME}/{_NAME}", "owner/name, e.g. acme/superset-stack")),
    Option("environments", "array", ["dev", "staging", "prod"],
           "Stacks that get a deploy role; each is also the GitHub environment its deploy job runs in.",
           _environments),
    Option("owner", "string", REQUIRED, "Owner cost-allocation tag on every resource.",
           _matching(r"\S.*", "a team or person")),
    Option("costCenter", "string", REQUIRED, "CostCenter cost-allocation tag on every resource.",
           _matching(r"\S.*", "a cost center")),
    Option("gitlabProject", "string", "",
           "GitLab project (group/project, subgroups allowed) that gets the same roles. Empty: no GitLab.",
           _optional(_matching(rf"{_NAME}(/{_NAME})+", "group/project, e.g. data/superset-stack"))),
    Option("gitlabUrl", "string", "https://gitlab.com", "GitLab instance that issues the ID tokens.",
           _matching(r"https://[a-z0-9.-]+", "https://<host> without a path")),
    Option("gitlabDeployBranch", "string", "main",
           "Protected GitLab branch whose pipelines may assume the deploy roles.",
           _matching(r"[A-Za-z0-9_./-]+", "a branch name without wildcards")),
    Option("stateNoncurrentVersionDays", "integer", 90,
           "Days an overwritten or deleted version of a state file is kept (the state's undo history).",
           _days),
    Option("stateAccessLogBucket", "string", "",
           "Existing bucket that receives the state bucket's S3 server access logs. Empty: no access logs.",
           _optional(_matching(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name"))),
    Option("githubOidcProviderArn", "string", "",
           "The account's existing GitHub OIDC provider (AWS allows one per URL). Empty: create it.",
           _optional(_matching(rf"{_ARN_PREFIX}token\.actions\.githubusercontent\.com",
                               "the ARN of the token.actions.githubusercontent.com provider"))),
    Option("gitlabOidcProviderArn", "string", "",
           "The account's existing OIDC provider for gitlabUrl. Empty: create it (with gitlabProject).",
           _optional(_matching(rf"{_ARN_PREFIX}[a-z0-9.-]+", "the ARN of an IAM OIDC provider"))),
)  # fmt: skip


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


@dataclass(frozen=True, kw_only=True)
class BootstrapSettings:
    """The bootstrap's validated configuration (one field per OPTIONS key) and the AWS region."""

    github_repository: str
    environments: tuple[str, ...]
    owner: str
    cost_center: str
    gitlab_project: str
    gitlab_url: str
    gitlab_deploy_branch: str
    state_noncurrent_version_days: int
    state_access_log_bucket: str
    github_oidc_provider_arn: str
    gitlab_oidc_provider_arn: str
    region: str
    stack: str

    @property
    def gitlab_host(self) -> str:
        """The issuer host, which is also the prefix of its IAM condition keys (gitlab.com:sub)."""
        return self.gitlab_url.removeprefix("https://")

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags on every resource, through the provider's default tags."""
        return {
            "Project": PROJECT,
            "CostCenter": self.cost_center,
            "Owner": self.owner,
            "Stack": self.stack,
            "ManagedBy": "pulumi",
        }

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, region: str | None, stack: str) -> BootstrapSettings:
        """Build from raw config values (Pulumi's strings, or YAML types); SettingsError lists every
        problem found."""
        problems = [f"{key}: unknown key" for key in sorted(set(values) - {o.key for o in OPTIONS})]
        parsed: dict[str, Any] = {}
        for option in OPTIONS:
            raw = values.get(option.key, option.default)
            if raw is REQUIRED:
                problems.append(f"{option.key}: required. {option.description}")
                continue
            try:
                parsed[_snake(option.key)] = option.parse(raw)
            except ValueError as error:
                problems.append(f"{option.key}: {error}")
        if not region:
            problems.append("aws:region: required, the region of the state bucket and key")
        problems += _cross_field_problems(parsed)
        if problems:
            raise SettingsError(problems)
        return cls(**parsed, region=str(region), stack=stack)

    @classmethod
    def load(cls) -> BootstrapSettings:
        """Read the current Pulumi stack's configuration (inside the bootstrap program)."""
        import pulumi

        config = pulumi.Config()
        read = {"array": config.get_object}  # lists arrive as JSON; everything else as a string
        values = {o.key: raw for o in OPTIONS if (raw := read.get(o.type, config.get)(o.key)) is not None}
        return cls.from_values(values, region=pulumi.Config("aws").get("region"), stack=pulumi.get_stack())


def _cross_field_problems(parsed: Mapping[str, Any]) -> list[str]:
    arn, url = parsed.get("gitlab_oidc_provider_arn"), parsed.get("gitlab_url")
    if not arn:
        return []
    if not parsed.get("gitlab_project"):
        return ["gitlabOidcProviderArn: only used with gitlabProject, which is empty"]
    if url and not arn.endswith(f":oidc-provider/{url.removeprefix('https://')}"):
        return [f"gitlabOidcProviderArn: must be the provider of gitlabUrl {url}, got {arn!r}"]
    return []
