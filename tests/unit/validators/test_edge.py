"""Edge: host name and certificate, the timeout chain, WAF, and the image's drivers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from superset_stack.validators import Problem
from superset_stack.validators.edge import (
    validate_domain,
    validate_image,
    validate_timeouts,
    validate_waf,
)
from tests.conftest import make_settings

DEV = make_settings("dev")
CERTIFICATE = "arn:aws:acm:{}:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"


class TestDomain:
    def test_an_imported_certificate_replaces_the_hosted_zone(self) -> None:
        settings = replace(DEV, hosted_zone_id="", certificate_arn=CERTIFICATE.format("us-east-1"))
        assert validate_domain(settings) == []

    def test_https_needs_a_certificate(self) -> None:
        assert validate_domain(replace(DEV, hosted_zone_id="")) == [
            Problem(
                "hostedZoneId",
                "HTTPS needs a certificate: give hostedZoneId (the Route 53 zone of domainName; the "
                "certificate is created and validated through DNS) or certificateArn (one you already have)",
            )
        ]

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"domain_name": "Superset.Example.com"},
                Problem("domainName", "not a lower-case DNS host name, got 'Superset.Example.com'"),
            ),
            (
                {"hosted_zone_id": "zone-1"},
                Problem("hostedZoneId", "not a Route 53 hosted zone id (Z...), got 'zone-1'"),
            ),
            (
                {"certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
                Problem(
                    "certificateArn",
                    "not an ACM certificate ARN, got 'arn:aws:iam::123456789012:server-certificate/x'",
                ),
            ),
            (
                {"certificate_arn": CERTIFICATE.format("eu-west-1")},
                Problem(
                    "certificateArn",
                    "the certificate is in eu-west-1; a load balancer in us-east-1 needs one from the same "
                    "region",
                ),
            ),
        ],
    )
    def test_domain(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_domain(replace(DEV, **changes)) == [expected]


class TestTimeouts:
    def test_the_guides_timeouts_break_the_chain(self) -> None:
        # run-server.sh's old defaults: gunicorn timeout 120, keep-alive 2, behind the ALB default of 60 s
        settings = replace(
            DEV, gunicorn_timeout_seconds=120, gunicorn_keepalive_seconds=2, alb_idle_timeout_seconds=60
        )
        assert validate_timeouts(settings) == [
            Problem(
                "albIdleTimeoutSeconds",
                "60 must exceed gunicornTimeoutSeconds 120: otherwise the load balancer answers 504 while "
                "the worker is still working",
            ),
            Problem(
                "gunicornKeepaliveSeconds",
                "2 must exceed albIdleTimeoutSeconds 60: otherwise gunicorn closes connections the load "
                "balancer still reuses (intermittent 502s)",
            ),
        ]

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            (
                {"alb_idle_timeout_seconds": 60},
                Problem(
                    "albIdleTimeoutSeconds",
                    "60 must exceed gunicornTimeoutSeconds 60: otherwise the load balancer answers 504 "
                    "while the worker is still working",
                ),
            ),
            (
                {"gunicorn_keepalive_seconds": 2},
                Problem(
                    "gunicornKeepaliveSeconds",
                    "2 must exceed albIdleTimeoutSeconds 65: otherwise gunicorn closes connections the load "
                    "balancer still reuses (intermittent 502s)",
                ),
            ),
            (
                {"alb_idle_timeout_seconds": 5000, "gunicorn_keepalive_seconds": 5001},
                Problem("albIdleTimeoutSeconds", "must be 1-4000, got 5000"),
            ),
            (
                {"gunicorn_timeout_seconds": 4, "alb_idle_timeout_seconds": 5},
                Problem("gunicornTimeoutSeconds", "must be 5-3600, got 4"),
            ),
            (
                {"health_check_grace_period_seconds": -1},
                Problem("healthCheckGracePeriodSeconds", "must be 0-3600, got -1"),
            ),
        ],
    )
    def test_timeouts(self, changes: dict[str, Any], expected: Problem) -> None:
        assert validate_timeouts(replace(DEV, **changes)) == [expected]


def test_waf_rate_limit() -> None:
    assert validate_waf(replace(DEV, waf_rate_limit_per5_minutes=5)) == [
        Problem("wafRateLimitPer5Minutes", "must be 10-2000000000, got 5")
    ]
    assert validate_waf(replace(DEV, waf_rate_limit_per5_minutes=10)) == []


class TestImage:
    def test_unknown_warehouse_driver(self) -> None:
        assert validate_image(replace(DEV, warehouse_drivers=("clickhouse", "oracle"))) == [
            Problem(
                "warehouseDrivers",
                "unknown driver(s) ['oracle']; allowed: clickhouse, redshift, snowflake, bigquery, athena, mysql "
                "(PostgreSQL is always included)",
            )
        ]

    def test_a_prebuilt_image_is_pinned_by_digest(self) -> None:
        assert validate_image(replace(DEV, image_uri="apache/superset:6.1.0")) == [
            Problem(
                "imageUri",
                "must be pinned by digest (repository@sha256:<64 hex>), got 'apache/superset:6.1.0'",
            )
        ]
        assert validate_image(replace(DEV, image_uri="apache/superset@sha256:" + "0" * 64)) == []
