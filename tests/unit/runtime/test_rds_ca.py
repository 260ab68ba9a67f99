"""The RDS CA bundle (runtime/rds_ca.py): the check the image build runs, the bundle the repository
keeps, and the refresh that writes it; on bundles made here and on the repository's own."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from superset_stack.plan.prices import REGIONS
from superset_stack.runtime import rds_ca
from superset_stack.runtime.rds_ca import BundleError, check, regions, render

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
                 expires: datetime = NOW + timedelta(days=3650),
                 key: ec.EllipticCurvePrivateKey | None = None) -> bytes:  # fmt: skip
    key = key or ec.generate_private_key(ec.SECP256R1())
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


def test_a_pin_compares_the_bytes_exactly_and_the_content_is_checked_as_well() -> None:
    bundle = _certificate(ROOT)
    digest = hashlib.sha256(bundle).hexdigest()
    assert check(bundle, sha256=digest.upper(), now=NOW) == 1
    with pytest.raises(
        BundleError, match=f"checksum {digest} differs from the pinned RDS_CA_BUNDLE_SHA256 0+$"
    ):
        check(bundle, sha256="0" * 64, now=NOW)
    foreign = _certificate(_name("Evil Root CA", organization="Evil Inc."))
    with pytest.raises(BundleError, match=r"its subject is not Amazon Web Services, Inc\. / Amazon RDS"):
        check(foreign, sha256=hashlib.sha256(foreign).hexdigest(), now=NOW)


# --- the bundle the repository keeps --------------------------------------------------------------


def _header(bundle: bytes) -> tuple[str, datetime]:
    """The source and the day a bundle was written, from its header."""
    text = bundle.decode()
    day = re.search(r"valid on (\d{4}-\d{2}-\d{2})", text)
    source = re.search(r"Source: (.+)", text)
    assert day and source, "the bundle's header names its day and source"
    return source.group(1), datetime.fromisoformat(day.group(1)).replace(tzinfo=UTC)


def test_the_repository_bundle_is_what_the_tool_writes_and_the_dockerfile_pins() -> None:
    bundle = rds_ca.BUNDLE.read_bytes()
    source, day = _header(bundle)
    assert render(bundle, source=source, now=day) == bundle  # no hand edits, nothing expired kept
    pinned = re.search(r"^ARG RDS_CA_BUNDLE_SHA256=([0-9a-f]{64})$", rds_ca.DOCKERFILE.read_text(), re.M)
    assert pinned and pinned.group(1) == hashlib.sha256(bundle).hexdigest()
    assert check(bundle, sha256=pinned.group(1)) == bundle.count(b"-----BEGIN CERTIFICATE-----")


def test_the_repository_bundle_covers_every_priced_region() -> None:
    # the regions plan/prices.py prices: where a stack is most likely to run
    assert set(REGIONS) <= rds_ca.covered_regions()


def test_render_keeps_the_valid_roots_in_a_stable_order_each_under_its_name() -> None:
    later, earlier = (
        _name("Amazon RDS us-west-2 Root CA RSA2048 G1"),
        _name("Amazon RDS eu-west-1 Root CA RSA2048 G1"),
    )
    intermediate = _certificate(_name("Amazon RDS eu-west-1 2019 CA"), issuer=earlier)
    expired = _certificate(_name("Amazon RDS Root 2019 CA"), expires=NOW - timedelta(days=1))
    bundle = _certificate(later) + intermediate + _certificate(earlier) + expired
    text = render(bundle, source="test", now=NOW).decode()
    assert text.startswith("# Amazon RDS certificate authorities, valid on 2026-11-30: ")
    assert re.findall(
        r"^# (Amazon RDS [^|\n]+) \| sha256 [0-9a-f]{64} \| 2025-11-30 to 2036-11-27$", text, re.M
    ) == [
        "Amazon RDS eu-west-1 Root CA RSA2048 G1",
        "Amazon RDS us-west-2 Root CA RSA2048 G1",
    ]
    assert text.count("-----BEGIN CERTIFICATE-----") == 2
    assert regions(text.encode(), now=NOW) == {"eu-west-1", "us-west-2"}
    assert render(text.encode(), source="test", now=NOW).decode() == text


def test_render_refuses_a_root_whose_self_signature_does_not_verify() -> None:
    forged = _certificate(ROOT, key=ec.generate_private_key(ec.SECP256R1()))
    # the same name signed by another key: issuer == subject, but the signature is not the subject's
    other = x509.load_pem_x509_certificate(forged)
    builder = (
        x509.CertificateBuilder()
        .subject_name(other.subject)
        .issuer_name(other.subject)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    pem = builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()).public_bytes(
        serialization.Encoding.PEM
    )
    with pytest.raises(BundleError, match="Root CA ECC384 G1: its self-signature does not verify"):
        render(pem, source="test", now=NOW)


def test_render_refuses_a_bundle_without_a_root_valid_today() -> None:
    # an intermediate and its expired root pass check (one is valid) but leave nothing to trust
    root = _name("Amazon RDS us-east-1 Root CA RSA2048 G1")
    intermediate = _certificate(_name("Amazon RDS us-east-1 2019 CA"), issuer=root)
    expired = _certificate(root, expires=NOW - timedelta(days=1))
    with pytest.raises(BundleError, match=r"^no self-signed root CA in the bundle is valid today$"):
        render(intermediate + expired, source="test", now=NOW)


# --- refresh -------------------------------------------------------------------------------------


@pytest.fixture
def repository(tmp_path: Path) -> tuple[Path, Path]:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM x\nARG RDS_CA_BUNDLE_SHA256=" + "0" * 64 + "\nRUN true\n")
    return tmp_path / "rds-ca-bundle.pem", dockerfile


def test_refresh_writes_the_bundle_pins_it_and_says_what_changed(repository: tuple[Path, Path]) -> None:
    bundle, dockerfile = repository
    first, second = _certificate(ROOT), _certificate(_name("Amazon RDS eu-west-1 Root CA RSA2048 G1"))
    assert [
        line[:2] for line in rds_ca.refresh(first, origin="test", bundle=bundle, dockerfile=dockerfile)
    ] == ["+ "]
    fingerprint = x509.load_pem_x509_certificate(first).fingerprint(hashes.SHA256()).hex()
    assert rds_ca.refresh(second, origin="test", bundle=bundle, dockerfile=dockerfile) == [
        f"- Amazon RDS us-east-1 Root CA ECC384 G1 {fingerprint}",
        "+ Amazon RDS eu-west-1 Root CA RSA2048 G1 "
        + x509.load_pem_x509_certificate(second).fingerprint(hashes.SHA256()).hex(),
    ]
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert dockerfile.read_text() == f"FROM x\nARG RDS_CA_BUNDLE_SHA256={digest}\nRUN true\n"
    assert "Source: test, sha256 " + hashlib.sha256(second).hexdigest() in bundle.read_text()


def test_a_refresh_with_the_same_cas_writes_nothing(repository: tuple[Path, Path]) -> None:
    bundle, dockerfile = repository
    pem = _certificate(ROOT)
    rds_ca.refresh(pem, origin="AWS on Monday", bundle=bundle, dockerfile=dockerfile)
    written, pinned = bundle.read_bytes(), dockerfile.read_text()
    # another day, another source line: the same CAs keep the file, the pin and so the image tag
    assert rds_ca.refresh(pem, origin="a copy on Tuesday", bundle=bundle, dockerfile=dockerfile) == []
    assert (bundle.read_bytes(), dockerfile.read_text()) == (written, pinned)


def test_a_refresh_that_drops_a_covered_region_is_refused(repository: tuple[Path, Path]) -> None:
    bundle, dockerfile = repository
    kept, dropped = (
        _name(f"Amazon RDS {region} Root CA RSA2048 G1") for region in ("eu-west-1", "us-east-1")
    )
    rds_ca.refresh(
        _certificate(kept) + _certificate(dropped), origin="test", bundle=bundle, dockerfile=dockerfile
    )
    written, pinned = bundle.read_bytes(), dockerfile.read_text()
    with pytest.raises(
        BundleError, match=r"^it lacks the root CAs of regions the current bundle covers: us-east-1$"
    ):
        rds_ca.refresh(_certificate(kept), origin="test", bundle=bundle, dockerfile=dockerfile)
    assert (bundle.read_bytes(), dockerfile.read_text()) == (written, pinned)


def test_a_refused_refresh_writes_nothing(repository: tuple[Path, Path]) -> None:
    bundle, dockerfile = repository
    before = dockerfile.read_text()
    with pytest.raises(BundleError, match="not a PEM bundle"):
        rds_ca.refresh(b"<html>503</html>", origin="test", bundle=bundle, dockerfile=dockerfile)
    assert not bundle.exists() and dockerfile.read_text() == before


def test_the_command_line_checks_a_file_and_refuses_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.pem", tmp_path / "bad.pem"
    good.write_bytes(_certificate(ROOT))
    bad.write_bytes(_certificate(_name("Evil Root CA", organization="Evil Inc.")))
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    assert rds_ca.main(["check", "--sha256", digest, str(good)]) == 0
    assert capsys.readouterr().out == f"RDS CA bundle: 1 certificates, sha256 {digest} (pinned)\n"
    # an empty pin (the build's ARG set to nothing) is refused, never read as "no pin"
    assert rds_ca.main(["check", "--sha256", "", str(good)]) == 1
    assert capsys.readouterr().err == (
        "RDS CA bundle refused: the pin is empty (--sha256 ''): set RDS_CA_BUNDLE_SHA256, or leave --sha256 out\n"
    )
    # without a pin it prints the checksum it computed, to be pinned
    assert rds_ca.main(["check", str(good)]) == 0
    assert capsys.readouterr().out == (
        f"RDS CA bundle: 1 certificates, sha256 {digest} (not pinned: no RDS_CA_BUNDLE_SHA256)\n"
    )
    assert rds_ca.main(["check", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(
        "RDS CA bundle refused: CN=Evil Root CA,OU=Amazon RDS,O=Evil Inc.: "
    )
    assert rds_ca.main(["check", str(tmp_path / "missing.pem")]) == 1
    assert "RDS CA bundle not read: [Errno 2] No such file or directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        rds_ca.main(["refresh", "--url", "http://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"])
    assert usage.value.code == 2
    assert "--url must be https, got 'http://truststore" in capsys.readouterr().err
    # a URL http.client refuses before connecting: a message, not a traceback
    assert rds_ca.main(["refresh", "--url", "https://127.0.0.1:9/global bundle.pem"]) == 1
    assert capsys.readouterr().err.startswith("RDS CA bundle not read: URL can't contain control characters")


def test_the_command_line_says_when_a_refresh_changes_nothing(
    repository: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, dockerfile = repository
    copy = bundle.with_name("global-bundle.pem")
    copy.write_bytes(_certificate(ROOT))
    monkeypatch.setattr(rds_ca, "BUNDLE", bundle)
    monkeypatch.setattr(rds_ca, "DOCKERFILE", dockerfile)
    assert rds_ca.main(["refresh", "--file", str(copy)]) == 0
    assert capsys.readouterr().out.startswith("+ Amazon RDS us-east-1 Root CA ECC384 G1 ")
    # the header names the file it came from, not AWS: a copy's origin is not checked
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert f"Source: the file global-bundle.pem, sha256 {digest}\n" in bundle.read_text()
    assert rds_ca.main(["refresh", "--file", str(copy)]) == 0
    assert (
        capsys.readouterr().out == "no change: rds-ca-bundle.pem holds these CAs already; nothing written\n"
    )
