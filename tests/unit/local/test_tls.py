"""The twin's CA and server certificates, checked by OpenSSL itself in a TLS handshake."""

from __future__ import annotations

import ipaddress
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from superset_stack.local.tls import CertificateAuthority


@pytest.fixture
def authority(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.load_or_create(tmp_path)


def test_the_ca_is_made_once_and_its_key_is_private(tmp_path: Path, authority: CertificateAuthority) -> None:
    again = CertificateAuthority.load_or_create(tmp_path)
    assert again.certificate == authority.certificate
    assert stat.S_IMODE((tmp_path / "ca.key").stat().st_mode) == 0o600
    constraints = authority.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert (constraints.critical, constraints.value.ca, constraints.value.path_length) == (True, True, 0)
    usage = authority.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.key_cert_sign, usage.crl_sign) == (True, True)


def test_a_server_certificate_names_exactly_what_clients_connect_to(authority: CertificateAuthority) -> None:
    pem, _key = authority.issue(dns_names=("localhost",), ip_addresses=("127.0.0.1",))
    certificate = x509.load_pem_x509_certificate(pem)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert certificate.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage
    ).value == x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    certificate.verify_directly_issued_by(authority.certificate)
    days = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days
    assert days == 397


def handshake(authority: CertificateAuthority, tmp_path: Path, *, issued_for: str, connect_to: str) -> str:
    """A TLS handshake in memory: a server with a certificate for `issued_for`, a client that
    trusts only the twin's CA and checks the name `connect_to`. The protocol version, or the error."""
    files = authority.issue_files(tmp_path, "server", dns_names=(issued_for,))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(files.certificate, files.key)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_context.load_verify_locations(authority.certificate_file)
    wires = [ssl.MemoryBIO() for _ in range(4)]
    client = client_context.wrap_bio(wires[0], wires[1], server_hostname=connect_to)
    server = server_context.wrap_bio(wires[1], wires[0], server_side=True)
    for _ in range(10):
        for side in (client, server):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as error:
                return str(error.reason) + ": " + getattr(error, "verify_message", "")
        if client.version() and server.version():
            return str(client.version())
    raise AssertionError("the handshake did not finish")


def test_a_client_trusting_the_ca_accepts_the_right_name_and_refuses_another(
    authority: CertificateAuthority, tmp_path: Path
) -> None:
    assert handshake(authority, tmp_path, issued_for="localhost", connect_to="localhost") == "TLSv1.3"
    assert handshake(authority, tmp_path, issued_for="wrong.invalid", connect_to="localhost") == (
        "CERTIFICATE_VERIFY_FAILED: Hostname mismatch, certificate is not valid for 'localhost'."
    )


def test_a_certificate_needs_a_name(authority: CertificateAuthority) -> None:
    with pytest.raises(ValueError, match="a server certificate needs at least one DNS name"):
        authority.issue(dns_names=())
