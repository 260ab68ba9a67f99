"""Certificate: created and DNS-validated in the zone, or an imported one, never both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.certificate import Certificate, CertificateArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]


def test_creates_and_validates_through_route53(build: Build) -> None:
    arns: list[str] = []

    def program() -> None:
        Certificate(
            "cert", CertificateArgs(domain_name="superset.example.com", hosted_zone_id="Z1")
        ).certificate_arn.apply(arns.append)

    mocks = build(program)
    assert Counter(mocks.types()) == Counter({
        "superset:certificate:Certificate": 1, "aws:acm/certificate:Certificate": 1,
        "aws:route53/record:Record": 1, "aws:acm/certificateValidation:CertificateValidation": 1,
    })  # fmt: skip
    assert mocks.inputs_of("aws:acm/certificate:Certificate") == [{
        "domainName": "superset.example.com", "validationMethod": "DNS",
        "options": {"certificateTransparencyLoggingPreference": "ENABLED"},
    }]  # fmt: skip
    assert mocks.inputs_of("aws:route53/record:Record") == [{
        "zoneId": "Z1", "name": "_abc123.superset.example.com.", "type": "CNAME",
        "records": ["_def456.acm-validations.aws."], "ttl": 60, "allowOverwrite": True,
    }]  # fmt: skip
    assert mocks.inputs_of("aws:acm/certificateValidation:CertificateValidation") == [{
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/cert",
        "validationRecordFqdns": ["_abc123.superset.example.com"],
    }]  # fmt: skip
    assert arns == ["arn:aws:acm:us-east-1:123456789012:certificate/cert"]


def test_an_imported_certificate_creates_nothing(build: Build) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    arns: list[str] = []
    mocks = build(
        lambda: Certificate(
            "cert", CertificateArgs(domain_name="s.example.com", certificate_arn=arn)
        ).certificate_arn.apply(arns.append)
    )
    assert mocks.types() == ["superset:certificate:Certificate"]
    assert arns == [arn]


@pytest.mark.parametrize("args", [{}, {"hosted_zone_id": "Z1", "certificate_arn": "arn:aws:acm:x"}])
def test_needs_exactly_one_source(mocks: RecordingMocks, args: dict[str, str]) -> None:
    with pytest.raises(
        ValueError,
        match="Only one of `hosted_zone_id` or `certificate_arn` can be provided, and one is needed",
    ):
        Certificate("cert", CertificateArgs(domain_name="s.example.com", **args))
