"""The like-aws twin's certificate authority and server certificates (the `cryptography` library).

On AWS the load balancer's certificate comes from ACM and RDS and ElastiCache present certificates
from Amazon's CAs; the twin stands in with one local CA per state folder: created once (so a
browser or NSS database that trusts it keeps trusting it), while the servers' certificates are
issued again at every `up`. Keys are ECDSA P-256, written with mode 0600.

- CA: self-signed, CA:TRUE with path length 0, may sign certificates and CRLs only; 10 years.
- server: the DNS names and IP addresses clients connect to (subjectAltName), serverAuth only,
  signed by the CA; 397 days (what browsers accept for public certificates).
"""

from __future__ import annotations

import datetime
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from superset_stack.local.files import write_private

CA_DAYS = 3650
SERVER_DAYS = 397
# Clocks of the processes that check the certificates may lag a little behind ours.
BACKDATE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedFiles:
    certificate: Path
    key: Path


def _private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class CertificateAuthority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    certificate_file: Path

    @classmethod
    def load_or_create(cls, folder: Path) -> CertificateAuthority:
        """The CA kept in `folder` (ca.pem, ca.key), created on first use."""
        certificate_file, key_file = folder / "ca.pem", folder / "ca.key"
        if certificate_file.exists() and key_file.exists():
            certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_file} is not an ECDSA key")
            return cls(certificate, key, certificate_file)
        key = ec.generate_private_key(ec.SECP256R1())
        # A name of its own per state folder: a browser trusting two twins' CAs tells them apart.
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "superset-stack local twin"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"superset-stack twin CA {secrets.token_hex(4)}"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(signs_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(key_file, _private_key_pem(key))
        certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return cls(certificate, key, certificate_file)

    def issue(self, *, dns_names: tuple[str, ...], ip_addresses: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
        """A server certificate for these names, signed by this CA: (certificate PEM, key PEM)."""
        if not dns_names:
            raise ValueError("a server certificate needs at least one DNS name")
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
        now = datetime.datetime.now(datetime.UTC)
        authority_key = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signs_certificates=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(authority_key), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM), _private_key_pem(key)

    def issue_files(
        self, folder: Path, name: str, *, dns_names: tuple[str, ...], ip_addresses: tuple[str, ...] = ()
    ) -> IssuedFiles:
        """Issue a server certificate into folder/<name>.pem and folder/<name>.key (0600)."""
        certificate, key = self.issue(dns_names=dns_names, ip_addresses=ip_addresses)
        files = IssuedFiles(folder / f"{name}.pem", folder / f"{name}.key")
        write_private(files.key, key)
        files.certificate.write_bytes(certificate)
        return files


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )
