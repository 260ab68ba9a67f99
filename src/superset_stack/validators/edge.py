"""Edge: the host name and its certificate, the timeout chain from the load balancer to gunicorn,
WAF, and what goes into the image (warehouse drivers, or a prebuilt image)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack import sizing
from superset_stack.validators._problem import Problem
from superset_stack.warehouses import WAREHOUSE_DRIVERS

if TYPE_CHECKING:
    from superset_stack.settings import Settings


def validate_domain(s: Settings) -> list[Problem]:
    """A lower-case host name, and a certificate for it: a Route 53 zone to validate a new one
    through, or an imported ACM certificate from the stack's region."""
    problems = []
    if s.domain_name and not re.fullmatch(
        r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", s.domain_name
    ):
        problems.append(Problem("domainName", f"not a lower-case DNS host name, got {s.domain_name!r}"))
    if not s.hosted_zone_id and not s.certificate_arn:
        problems.append(
            Problem(
                "hostedZoneId",
                "HTTPS needs a certificate: give hostedZoneId (the Route 53 zone of domainName; "
                "the certificate is created and validated through DNS) or certificateArn (one you already "
                "have)",
            )
        )
    if s.hosted_zone_id and not re.fullmatch(r"Z[A-Z0-9]{1,32}", s.hosted_zone_id):
        problems.append(
            Problem("hostedZoneId", f"not a Route 53 hosted zone id (Z...), got {s.hosted_zone_id!r}")
        )
    if s.certificate_arn:
        match = re.fullmatch(
            r"arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]+", s.certificate_arn
        )
        if not match:
            problems.append(
                Problem("certificateArn", f"not an ACM certificate ARN, got {s.certificate_arn!r}")
            )
        elif match[1] != s.region:
            problems.append(
                Problem(
                    "certificateArn",
                    f"the certificate is in {match[1]}; a load balancer in {s.region} needs one "
                    f"from the same region",
                )
            )
    return problems


def validate_timeouts(s: Settings) -> list[Problem]:
    """The chain gunicorn timeout < load balancer idle timeout < gunicorn keep-alive, each in range,
    and the health-check grace period of a starting web task."""
    problems = [
        Problem(key, why)
        for key, why in sizing.timeout_chain_errors(
            gunicorn_timeout=s.gunicorn_timeout_seconds,
            alb_idle_timeout=s.alb_idle_timeout_seconds,
            gunicorn_keepalive=s.gunicorn_keepalive_seconds,
        )
    ]
    if not 5 <= s.gunicorn_timeout_seconds <= 3600:
        problems.append(
            Problem("gunicornTimeoutSeconds", f"must be 5-3600, got {s.gunicorn_timeout_seconds}")
        )
    if not 0 <= s.health_check_grace_period_seconds <= 3600:
        problems.append(
            Problem(
                "healthCheckGracePeriodSeconds", f"must be 0-3600, got {s.health_check_grace_period_seconds}"
            )
        )
    return problems


def validate_waf(s: Settings) -> list[Problem]:
    """A per-IP rate limit WAF accepts."""
    if not 10 <= s.waf_rate_limit_per5_minutes <= 2_000_000_000:
        return [
            Problem("wafRateLimitPer5Minutes", f"must be 10-2000000000, got {s.waf_rate_limit_per5_minutes}")
        ]
    return []


def validate_image(s: Settings) -> list[Problem]:
    """Only drivers the image knows how to install; a prebuilt image pinned by digest."""
    problems = []
    unknown_drivers = sorted(set(s.warehouse_drivers) - set(WAREHOUSE_DRIVERS))
    if unknown_drivers:
        problems.append(
            Problem(
                "warehouseDrivers",
                f"unknown driver(s) {unknown_drivers}; allowed: {', '.join(WAREHOUSE_DRIVERS)} "
                "(PostgreSQL is always included)",
            )
        )
    if s.image_uri and not re.fullmatch(r"[^\s@]+@sha256:[0-9a-f]{64}", s.image_uri):
        problems.append(
            Problem("imageUri", f"must be pinned by digest (repository@sha256:<64 hex>), got {s.image_uri!r}")
        )
    return problems
