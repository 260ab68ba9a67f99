"""The RDS CA bundle check the image build runs (runtime/rds_ca.py), on bundles made here."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from superset_stack.runtime.rds_ca import BundleError, check

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _name(
    common: str, organization: str = "Amazon Web Services, Inc.", unit: str = "Amazon RDS"
) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ])  # fmt: skip


def _certificate(subject: x509.Name, *, ca: bool = True, issuer: x509.Name | None = None,
                 expires: datetime = NOW + timedelta(days=3650)) -> bytes:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=365))
        .not_valid_after(expires)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


ROOT = _name("Amazon RDS us-east-1 Root CA ECC384 G1")


def test_a_bundle_of_amazon_rds_authorities_passes_and_its_size_is_counted() -> None:
    expired = _certificate(_name("Amazon RDS Root 2019 CA"), expires=NOW - timedelta(days=1))
    bundle = _certificate(ROOT) + expired
    assert check(bundle, now=NOW) == 2


@pytest.mark.parametrize(
    ("bundle", "reason"),
    [
        (_certificate(_name("Evil Root CA", organization="Evil Inc.")),
         "CN=Evil Root CA,OU=Amazon RDS,O=Evil Inc.: its subject is not Amazon Web Services, Inc. / Amazon RDS"),
        (_certificate(_name("Amazon RDS leaf"), ca=False),
         "CN=Amazon RDS leaf,OU=Amazon RDS,O=Amazon Web Services\\, Inc.: not a certificate authority (no basicConstraints CA:TRUE)"),
        (_certificate(_name("Amazon RDS intermediate"), issuer=_name("Amazon RDS missing root")),
         "CN=Amazon RDS intermediate,OU=Amazon RDS,O=Amazon Web Services\\, Inc.: issued by CN=Amazon RDS missing root,OU=Amazon RDS,O=Amazon Web Services\\, Inc., which is not in the bundle"),
        (_certificate(ROOT, expires=NOW - timedelta(days=1)), "no certificate in the bundle is valid today"),
        (b"<html>not found</html>", "not a PEM bundle of certificates"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_with_the_reason(bundle: bytes, reason: str) -> None:
    with pytest.raises(BundleError) as refused:
        check(bundle, now=NOW)
    assert str(refused.value).startswith(reason)


def test_a_pin_compares_the_bytes_exactly() -> None:
    bundle = _certificate(ROOT)
    digest = hashlib.sha256(bundle).hexdigest()
    assert check(bundle, sha256=digest.upper(), now=NOW) == 1
    with pytest.raises(
        BundleError, match=f"checksum {digest} differs from the pinned RDS_CA_BUNDLE_SHA256 0+$"
    ):
        check(bundle, sha256="0" * 64, now=NOW)
