"""CiIdentity: a CI system's OIDC provider in IAM, its read-only preview role, a deploy role and a
restore-drill role per environment and the live acceptance test's role, each trusted only for the
token subjects given.

Creates the IAM OIDC provider for `issuer_url` with `audience` as its only client ID (or uses an
existing one: AWS allows one provider per URL and account), then roles whose trust policy accepts
sts:AssumeRoleWithWebIdentity from that provider only when the token's `aud` equals the audience
and its `sub` equals the role's subject (StringLike when the subject has a `*`). No role has a
long-lived key; the CI job exchanges its short-lived ID token for an hour (preview), two (deploy,
drill) or three (acceptance: a whole stack up, checked and destroyed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def trust_policy(
    provider_arn: pulumi.Input[str], issuer_host: str, audience: str, subject: str
) -> dict[str, Any]:
    """The trust policy of a role assumed with a `subject`'s ID token from `issuer_host`."""
    conditions: dict[str, dict[str, str]] = {"StringEquals": {f"{issuer_host}:aud": audience}}
    match = "StringLike" if "*" in subject else "StringEquals"
    conditions.setdefault(match, {})[f"{issuer_host}:sub"] = subject
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": conditions,
        }],
    }  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Subjects:
    """The token subjects (`sub`) of the jobs each kind of role trusts (`*` matches any text).

    Attributes:
        preview: Jobs that preview.
        deploy: Environment -> jobs that deploy it.
        drill: Environment -> jobs that run its restore drill.
        acceptance: Jobs that run the live acceptance test.
    """

    preview: str
    deploy: Mapping[str, str]
    drill: Mapping[str, str]
    acceptance: str


@dataclass(frozen=True, kw_only=True)
class CiIdentityArgs:
    """Inputs for :class:`CiIdentity`.

    Attributes:
        issuer_url: https URL of the token issuer (the `iss` claim), without a trailing slash.
        label: Who the roles are for, in their descriptions, e.g. "GitHub Actions of acme/app".
        preview_subject: The `sub` of jobs that preview (may contain `*`).
        deploy_subjects: Environment -> the `sub` of jobs that deploy it.
        preview_policy_arns: Managed policies of the preview role, by a short name that names
            their attachments.
        deploy_policy_arns: Managed policies of every deploy role, by short name.
        drill_subjects: Environment -> the `sub` of jobs that run its restore drill. Defaults to
            none: no drill roles.
        drill_policy_arns: Environment -> the managed policies of its drill role, by short name.
            Defaults to none; needs an entry for every drill subject.
        acceptance_subject: The `sub` of jobs that run the live acceptance test. Defaults to empty:
            no acceptance role.
        acceptance_policy_arns: Managed policies of the acceptance role, by short name. Defaults
            to none.
        existing_provider_arn: Use this OIDC provider instead of creating one. Defaults to empty.
        audience: The `aud` the CI requests its token for. Defaults to ``sts.amazonaws.com``.
        preview_session_seconds: Longest preview session (3600-43200). Defaults to 3600.
        deploy_session_seconds: Longest deploy and drill session (3600-43200). Defaults to 7200: a
            first prod deploy (Multi-AZ database, cache, image build) can take over an hour, a drill
            restores and deletes a database.
        acceptance_session_seconds: Longest acceptance session (3600-43200). Defaults to 10800: a
            stack created, checked and destroyed.
    """

    issuer_url: str
    label: str
    preview_subject: str
    deploy_subjects: Mapping[str, str]
    preview_policy_arns: Mapping[str, pulumi.Input[str]]
    deploy_policy_arns: Mapping[str, pulumi.Input[str]]
    drill_subjects: Mapping[str, str] = field(default_factory=dict)
    drill_policy_arns: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    acceptance_subject: str = ""
    acceptance_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    existing_provider_arn: str = ""
    audience: str = "sts.amazonaws.com"
    preview_session_seconds: int = 3600
    deploy_session_seconds: int = 7200
    acceptance_session_seconds: int = 10800


class CiIdentity(pulumi.ComponentResource):
    """OIDC provider plus preview, deploy, drill and acceptance roles for one CI system."""

    provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    deploy_role_arns: dict[str, pulumi.Output[str]]
    drill_role_arns: dict[str, pulumi.Output[str]]
    acceptance_role_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: CiIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:oidc:CiIdentity", name, None, opts)
        if not args.issuer_url.startswith("https://") or args.issuer_url.endswith("/"):
            raise ValueError(
                f"issuer_url must be https://<host> without a trailing slash, got {args.issuer_url!r}"
            )
        for seconds in (
            args.preview_session_seconds,
            args.deploy_session_seconds,
            args.acceptance_session_seconds,
        ):
            if not 3600 <= seconds <= 43200:
                raise ValueError(f"session seconds must be 3600-43200, got {seconds}")
        if not args.deploy_subjects:
            raise ValueError("deploy_subjects: at least one environment")
        if missing := sorted(set(args.drill_subjects) - set(args.drill_policy_arns)):
            raise ValueError(f"drill_policy_arns: no policies for the drill roles of {', '.join(missing)}")
        child = pulumi.ResourceOptions(parent=self)

        self.provider_arn = (
            pulumi.Output.from_input(args.existing_provider_arn)
            if args.existing_provider_arn
            else aws.iam.OpenIdConnectProvider(
                name, url=args.issuer_url, client_id_lists=[args.audience], opts=child
            ).arn
        )
        self.preview_role_arn = self._role(
            f"{name}-preview", args, description=f"{args.label}: preview (read-only)",
            subject=args.preview_subject, policy_arns=args.preview_policy_arns,
            session_seconds=args.preview_session_seconds,
        )  # fmt: skip
        self.deploy_role_arns = {
            environment: self._role(
                f"{name}-deploy-{environment}", args, description=f"{args.label}: deploy {environment}",
                subject=subject, policy_arns=args.deploy_policy_arns,
                session_seconds=args.deploy_session_seconds,
            )
            for environment, subject in args.deploy_subjects.items()
        }  # fmt: skip
        self.drill_role_arns = {
            environment: self._role(
                f"{name}-drill-{environment}", args,
                description=f"{args.label}: restore drill of {environment}", subject=subject,
                policy_arns=args.drill_policy_arns[environment], session_seconds=args.deploy_session_seconds,
            )
            for environment, subject in args.drill_subjects.items()
        }  # fmt: skip
        self.acceptance_role_arn = (
            self._role(
                f"{name}-acceptance", args,
                description=f"{args.label}: live acceptance test (throw-away stacks)",
                subject=args.acceptance_subject, policy_arns=args.acceptance_policy_arns,
                session_seconds=args.acceptance_session_seconds,
            )
            if args.acceptance_subject
            else None
        )  # fmt: skip
        self.register_outputs({
            "provider_arn": self.provider_arn,
            "preview_role_arn": self.preview_role_arn,
            "deploy_role_arns": self.deploy_role_arns,
            "drill_role_arns": self.drill_role_arns,
            "acceptance_role_arn": self.acceptance_role_arn,
        })  # fmt: skip

    def _role(
        self,
        name: str,
        args: CiIdentityArgs,
        *,
        description: str,
        subject: str,
        policy_arns: Mapping[str, pulumi.Input[str]],
        session_seconds: int,
    ) -> pulumi.Output[str]:
        """A role trusted for `subject` only, with `policy_arns` attached; returns its ARN."""
        host = args.issuer_url.removeprefix("https://")
        role = aws.iam.Role(
            name,
            description=description,
            assume_role_policy=pulumi.Output.json_dumps(
                trust_policy(self.provider_arn, host, args.audience, subject)
            ),
            max_session_duration=session_seconds,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for policy_name, policy_arn in policy_arns.items():
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy_name}",
                role=role.name,
                policy_arn=policy_arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
        arn: pulumi.Output[str] = role.arn
        return arn
