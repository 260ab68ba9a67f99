"""Fetch the RDS CA bundle for the image and check it before anything trusts it.

Run by runtime/Dockerfile at build time: `python rds_ca.py [--sha256 HEX] OUT`. The bundle comes over
TLS from AWS's trust store. With `--sha256` (the Dockerfile's RDS_CA_BUNDLE_SHA256 pin) its bytes
must match exactly. Without a pin - AWS adds a CA to the bundle for each new region, so a pin goes
stale and must be refreshed by hand - every certificate in it must be a certificate authority of
Amazon RDS (organisation "Amazon Web Services, Inc.", unit "Amazon RDS", CA:TRUE) that is valid
today, issued by another certificate of the bundle or by itself. The checksum is printed either way,
so the build log shows what to pin. Exit 1 with the reason when the bundle fails a check.

Only the standard library and `cryptography` (a Superset dependency, in the base image).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.request
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
ORGANIZATION = "Amazon Web Services, Inc."
UNIT = "Amazon RDS"
TIMEOUT_SECONDS = 60


class BundleError(ValueError):
    """The bundle is not what the image may trust; the message says why."""


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def check(pem: bytes, *, sha256: str = "", now: datetime | None = None) -> int:
    """Check a bundle; return how many certificates it holds. Raises BundleError naming the fault."""
    digest = hashlib.sha256(pem).hexdigest()
    if sha256:
        if digest != sha256.lower():
            raise BundleError(f"checksum {digest} differs from the pinned RDS_CA_BUNDLE_SHA256 {sha256}")
        return len(x509.load_pem_x509_certificates(pem))
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise BundleError(f"not a PEM bundle of certificates ({error})") from None
    moment = now or datetime.now(UTC)
    subjects = {certificate.subject for certificate in certificates}
    for certificate in certificates:
        subject = certificate.subject.rfc4514_string()
        for name, role in ((certificate.subject, "subject"), (certificate.issuer, "issuer")):
            owner = (
                _attribute(name, NameOID.ORGANIZATION_NAME),
                _attribute(name, NameOID.ORGANIZATIONAL_UNIT_NAME),
            )
            if owner != (ORGANIZATION, UNIT):
                raise BundleError(f"{subject}: its {role} is not {ORGANIZATION} / {UNIT}")
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise BundleError(f"{subject}: not a certificate authority (no basicConstraints CA:TRUE)")
        if certificate.issuer not in subjects:
            raise BundleError(
                f"{subject}: issued by {certificate.issuer.rfc4514_string()}, which is not in the bundle"
            )
    # AWS keeps expired CAs in the bundle (they trust nothing); at least one must be valid today
    if not any(c.not_valid_before_utc <= moment <= c.not_valid_after_utc for c in certificates):
        raise BundleError("no certificate in the bundle is valid today")
    return len(certificates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sha256", default="", help="pinned checksum of the bundle; empty: check its content"
    )
    parser.add_argument("--url", default=URL)
    parser.add_argument("out")
    options = parser.parse_args(argv)
    if not options.url.startswith("https://"):
        parser.error(f"--url must be https, got {options.url!r}")
    with urllib.request.urlopen(options.url, timeout=TIMEOUT_SECONDS) as response:
        pem = response.read()
    try:
        count = check(pem, sha256=options.sha256)
    except BundleError as error:
        print(f"RDS CA bundle refused: {error}", file=sys.stderr)
        return 1
    with open(options.out, "wb") as bundle:
        bundle.write(pem)
    how = "matches the pin" if options.sha256 else "content checked; pin it with RDS_CA_BUNDLE_SHA256"
    print(f"RDS CA bundle: {count} certificates, sha256 {hashlib.sha256(pem).hexdigest()} ({how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
