"""Alerts and reports: the relay, the way out to it, the secrets, the warm-up, and the worker's size."""

from __future__ import annotations

from dataclasses import replace

from superset_stack.settings import EgressDestination
from superset_stack.validators import Problem
from superset_stack.validators.compute import validate_worker_memory
from superset_stack.validators.reports import validate_cache_warmup, validate_secret_arns, validate_smtp
from tests.conftest import make_settings

PROD = make_settings("prod")  # NAT gateways in every zone
SMTP = "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/ses-smtp-AbCdEf"
SES_ENDPOINT = EgressDestination(
    description="SES SMTP endpoint", port=587, security_group_id="sg-0123456789abcdef0"
)
SES = replace(PROD, smtp_host="email-smtp.us-east-1.amazonaws.com", smtp_user="AKIAEXAMPLE",
              smtp_password_secret_arn=SMTP, smtp_mail_from="superset@example.com",
              egress_destinations=(SES_ENDPOINT,))  # fmt: skip


def test_a_complete_relay_with_its_way_out_passes() -> None:
    assert validate_smtp(SES) == []
    assert validate_secret_arns(SES) == []
    # a range that covers the port is a way out too
    ranged = EgressDestination(description="relays", from_port=465, to_port=587, cidr="10.30.0.0/24")
    assert validate_smtp(replace(SES, egress_destinations=(ranged,))) == []


def test_without_a_way_out_to_the_port_the_relay_is_refused_with_the_ses_endpoint_named() -> None:
    assert validate_smtp(replace(SES, egress_destinations=())) == [
        Problem(
            "smtpHost",
            "the tasks cannot reach email-smtp.us-east-1.amazonaws.com on port 587: add an egressDestinations "
            "entry for that port (for Amazon SES, the security group of an SES SMTP interface endpoint "
            "(com.amazonaws.us-east-1.email-smtp, private DNS on) as securityGroupId)",
        )
    ]
    company = replace(SES, smtp_host="smtp.example.com", smtp_port=25, egress_destinations=(SES_ENDPOINT,))
    assert validate_smtp(company) == [
        Problem(
            "smtpHost",
            "the tasks cannot reach smtp.example.com on port 25: add an egressDestinations entry for that port "
            "(the relay's CIDR or prefix list)",
        )
    ]


def test_the_relays_settings_are_checked_together() -> None:
    broken = replace(SES, smtp_host="smtp example", smtp_mail_from="superset", smtp_user="",
                     smtp_security="tls")  # fmt: skip
    assert validate_smtp(broken) == [
        Problem("smtpHost", "not a host name, got 'smtp example'"),
        Problem("smtpMailFrom", "required with smtpHost: the From address, got 'superset'"),
        Problem(
            "smtpPasswordSecretArn", "smtpUser and smtpPasswordSecretArn go together (the relay's login)"
        ),
        Problem("smtpSecurity", "tls (implicit TLS) on port 587, which speaks STARTTLS; use 465"),
    ]


def test_smtp_settings_without_a_relay_are_refused() -> None:
    assert validate_smtp(replace(PROD, smtp_user="AKIAEXAMPLE", smtp_mail_from="superset@example.com")) == [
        Problem("smtpUser", "needs smtpHost (the relay the worker sends e-mail through)"),
        Problem("smtpMailFrom", "needs smtpHost (the relay the worker sends e-mail through)"),
    ]
    assert validate_smtp(PROD) == []  # no e-mail at all is fine


def test_secrets_are_arns_in_the_stacks_region() -> None:
    assert validate_secret_arns(replace(PROD, slack_token_secret_arn="xoxb-123",
                                        smtp_password_secret_arn=SMTP.replace("us-east-1", "eu-west-1"))) == [
        Problem("smtpPasswordSecretArn", "the secret is in eu-west-1; ECS injects secrets of us-east-1 only"),
        Problem("slackTokenSecretArn", "not a Secrets Manager secret ARN, got 'xoxb-123'"),
    ]  # fmt: skip


def test_the_warm_up_needs_a_cron_and_a_sensible_count() -> None:
    assert validate_cache_warmup(replace(PROD, cache_warmup_cron="0 6 * * 1-5")) == []
    assert validate_cache_warmup(replace(PROD, cache_warmup_cron="hourly", cache_warmup_top_dashboards=0)) == [
        Problem("cacheWarmupCron", "expected 5 cron fields (minute hour day-of-month month day-of-week, UTC), "
                "got 'hourly'"),
        Problem("cacheWarmupTopDashboards", "must be 1-1000, got 0"),
    ]  # fmt: skip


def test_a_worker_too_small_for_a_browser_per_celery_process_is_refused_with_the_numbers() -> None:
    assert validate_worker_memory(PROD) == []  # 4096 MiB for 4 processes
    assert validate_worker_memory(make_settings("dev")) == []  # 1024 MiB for 1 process
    assert validate_worker_memory(replace(PROD, worker_cpu=1024, worker_memory_mib=2048)) == [
        Problem(
            "workerMemoryMib",
            "4 Celery processes, each with a report's browser, need about 2746 MiB (130 for Celery, 140 per "
            "process and 450 per browser, 256 headroom); workerMemoryMib is 2048: lower celeryConcurrency or "
            "raise the memory",
        )
    ]
