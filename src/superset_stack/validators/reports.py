"""Alerts and reports: the SMTP relay and the way out to it, the secrets of e-mail and Slack, and the
dashboard cache warm-up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings

SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+")
_HOST = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
SES_SMTP = re.compile(r"email-smtp(-fips)?\.([a-z0-9-]+)\.amazonaws\.com")


def validate_secret_arns(s: Settings) -> list[Problem]:
    """The SMTP password and the Slack token, when given, are Secrets Manager secret ARNs in the
    stack's region (the execution role reads exactly these)."""
    problems = []
    for key, arn in (("smtpPasswordSecretArn", s.smtp_password_secret_arn),
                     ("slackTokenSecretArn", s.slack_token_secret_arn)):  # fmt: skip
        if not arn:
            continue
        if not SECRET_ARN.fullmatch(arn):
            problems.append(Problem(key, f"not a Secrets Manager secret ARN, got {arn!r}"))
        elif arn.split(":")[3] != s.region:
            problems.append(
                Problem(key, f"the secret is in {arn.split(':')[3]}; ECS injects secrets of {s.region} only")
            )
    return problems


def validate_smtp(s: Settings) -> list[Problem]:
    """With smtpHost: a host name, a port, a From address, a user and a password secret together,
    and a way out to the relay's port. Without it, no other SMTP setting."""
    if not s.smtp_host:
        others = {"smtpUser": s.smtp_user, "smtpMailFrom": s.smtp_mail_from,
                  "smtpPasswordSecretArn": s.smtp_password_secret_arn}  # fmt: skip
        given = [key for key, value in others.items() if value]
        return [Problem(key, "needs smtpHost (the relay the worker sends e-mail through)") for key in given]
    problems = []
    if not _HOST.fullmatch(s.smtp_host):
        problems.append(Problem("smtpHost", f"not a host name, got {s.smtp_host!r}"))
    if not 1 <= s.smtp_port <= 65535:
        problems.append(Problem("smtpPort", f"must be 1-65535, got {s.smtp_port}"))
    if not _ADDRESS.fullmatch(s.smtp_mail_from):
        problems.append(
            Problem("smtpMailFrom", f"required with smtpHost: the From address, got {s.smtp_mail_from!r}")
        )
    if bool(s.smtp_user) != bool(s.smtp_password_secret_arn):
        problems.append(
            Problem(
                "smtpPasswordSecretArn", "smtpUser and smtpPasswordSecretArn go together (the relay's login)"
            )
        )
    if s.smtp_security == "tls" and s.smtp_port == 587:
        problems.append(
            Problem("smtpSecurity", "tls (implicit TLS) on port 587, which speaks STARTTLS; use 465")
        )
    problems += _smtp_egress(s)
    return problems


def _smtp_egress(s: Settings) -> list[Problem]:
    """The app security group sends nothing to an SMTP port unless an egressDestinations entry opens it."""
    if any(first <= s.smtp_port <= last for first, last in (d.ports for d in s.egress_destinations)):
        return []
    how = "the relay's CIDR or prefix list"
    if match := SES_SMTP.fullmatch(s.smtp_host):
        how = (
            f"for Amazon SES, the security group of an SES SMTP interface endpoint "
            f"(com.amazonaws.{match.group(2)}.email-smtp, private DNS on) as securityGroupId"
        )
    return [
        Problem(
            "smtpHost",
            f"the tasks cannot reach {s.smtp_host} on port {s.smtp_port}: add an egressDestinations entry "
            f"for that port ({how})",
        )
    ]


def validate_cache_warmup(s: Settings) -> list[Problem]:
    """A 5-field cron for the warm-up, and a sensible number of dashboards."""
    fields = "minute hour day-of-month month day-of-week, UTC"
    top = s.cache_warmup_top_dashboards
    return [
        *([Problem("cacheWarmupCron", f"expected 5 cron fields ({fields}), got {s.cache_warmup_cron!r}")]
          if s.cache_warmup_cron and len(s.cache_warmup_cron.split()) != 5 else []),
        *([Problem("cacheWarmupTopDashboards", f"must be 1-1000, got {top}")]
          if not 1 <= top <= 1000 else []),
    ]  # fmt: skip
