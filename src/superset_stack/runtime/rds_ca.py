"""The certificate authorities of Amazon RDS that the image trusts: reviewed in the repository,
checked at build time, refreshed from AWS by one command.

runtime/rds-ca-bundle.pem holds the RDS root CAs valid today, one comment line each (name,
SHA-256 fingerprint, validity), in a stable order. Two uses:

- `python rds_ca.py check --sha256 HEX FILE` (runtime/Dockerfile, at build time, no network): the
  bytes must match the pin RDS_CA_BUNDLE_SHA256 and every certificate must pass :func:`check`.
- `python -m superset_stack.runtime.rds_ca refresh` (a machine that reaches AWS): fetch AWS's
  global bundle over TLS, check it, keep the CAs valid today, write the bundle, set the Dockerfile's
  pin, and print which CAs came and went. AWS adds CAs for each new region; until a refresh, a
  stack in a region the bundle does not cover is refused by `settings` (:func:`regions`).

Only the standard library and `cryptography` (a Superset dependency, in the base image). Exit 1 with
the reason when a bundle fails a check, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import re
import sys
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
BUNDLE = Path(__file__).with_name("rds-ca-bundle.pem")
DOCKERFILE = Path(__file__).with_name("Dockerfile")
PIN = "RDS_CA_BUNDLE_SHA256"
ORGANIZATION = "Amazon Web Services, Inc."
UNIT = "Amazon RDS"
TIMEOUT_SECONDS = 60
# GovCloud and China: their RDS CAs are bundles of their own, never in the global one
OWN_PARTITIONS = ("us-gov-", "cn-")
# The CA that signs a stack's database certificate (aws/database.py CA_CERTIFICATE, rds-ca-rsa2048-g1)
REGION_NAME = r"[a-z]{2}(?:-gov)?-[a-z]+-\d+"
REGION_ROOT = re.compile(rf"Amazon RDS ({REGION_NAME}) Root CA RSA2048 G1")
HEADER = """\
# Amazon RDS certificate authorities, valid on {day}: DATABASE_SSLROOTCERT of every task (/app/rds-ca.pem).
# Written by runtime/rds_ca.py (`python -m superset_stack.runtime.rds_ca refresh`), never by hand;
# the Dockerfile pins its sha256 (RDS_CA_BUNDLE_SHA256). Source: {source}
"""


class BundleError(ValueError):
    """The bundle is not what the image may trust; the message says why."""


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _load(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise BundleError(f"not a PEM bundle of certificates ({error})") from None


def _is_authority(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid(certificate: x509.Certificate, moment: datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def check(pem: bytes, *, sha256: str = "", now: datetime | None = None) -> int:
    """Check a bundle; return how many certificates it holds. Raises BundleError naming the fault.

    With `sha256` the bytes must match it. Always: every certificate is a certificate authority
    (CA:TRUE) of Amazon RDS (organisation "Amazon Web Services, Inc.", unit "Amazon RDS") as subject
    and issuer, issued by a certificate of the bundle, and at least one is valid `now`."""
    digest = hashlib.sha256(pem).hexdigest()
    if sha256 and digest != sha256.lower():
        raise BundleError(f"checksum {digest} differs from the pinned {PIN} {sha256}")
    certificates = _load(pem)
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
        if not _is_authority(certificate):
            raise BundleError(f"{subject}: not a certificate authority (no basicConstraints CA:TRUE)")
        if certificate.issuer not in subjects:
            raise BundleError(
                f"{subject}: issued by {certificate.issuer.rfc4514_string()}, which is not in the bundle"
            )
    # AWS keeps expired CAs in its bundle (they trust nothing); at least one must be valid today
    if not any(_valid(certificate, now or datetime.now(UTC)) for certificate in certificates):
        raise BundleError("no certificate in the bundle is valid today")
    return len(certificates)


def _name(certificate: x509.Certificate) -> str:
    return _attribute(certificate.subject, NameOID.COMMON_NAME)


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def render(pem: bytes, *, source: str, now: datetime) -> bytes:
    """The bundle as the repository keeps it: the self-signed CAs of `pem` valid `now`, ordered by
    name and fingerprint, each under a comment line. Raises BundleError if `pem` fails :func:`check`
    or a kept CA's signature does not verify."""
    check(pem, now=now)
    kept = []
    for certificate in _load(pem):
        if certificate.issuer != certificate.subject or not _valid(certificate, now):
            continue  # expired, or an intermediate the server sends itself
        try:
            certificate.verify_directly_issued_by(certificate)
        except (ValueError, TypeError, InvalidSignature) as error:
            raise BundleError(f"{_name(certificate)}: its self-signature does not verify ({error})") from None
        kept.append(certificate)
    if not kept:
        raise BundleError("no self-signed root CA in the bundle is valid today")
    kept.sort(key=lambda certificate: (_name(certificate), _fingerprint(certificate)))
    blocks = [HEADER.format(day=now.date().isoformat(), source=source)]
    for certificate in dict.fromkeys(kept):  # AWS's bundle lists no CA twice, but a copy might
        blocks.append(
            f"\n# {_name(certificate)} | sha256 {_fingerprint(certificate)} | "
            f"{certificate.not_valid_before_utc.date()} to {certificate.not_valid_after_utc.date()}\n"
            + certificate.public_bytes(serialization.Encoding.PEM).decode()
        )
    return "".join(blocks).encode()


def regions(pem: bytes, *, now: datetime | None = None) -> frozenset[str]:
    """The regions whose RSA2048 G1 root CA (the one a stack's database uses) is in `pem`, valid."""
    moment = now or datetime.now(UTC)
    return frozenset(
        match.group(1)
        for certificate in _load(pem)
        if _valid(certificate, moment) and (match := REGION_ROOT.fullmatch(_name(certificate)))
    )


@cache
def covered_regions() -> frozenset[str]:
    """The regions the repository's bundle (runtime/rds-ca-bundle.pem) covers today."""
    return regions(BUNDLE.read_bytes())


def coverage(region: str) -> str:
    """How the repository's bundle stands for an RDS database in `region`: "covered"; "partition"
    (GovCloud, China: their CAs are a bundle of their own, which no refresh adds); or "missing"
    (a refresh adds it). Raises OSError or BundleError when the bundle cannot be read."""
    if region in covered_regions():
        return "covered"
    return "partition" if region.startswith(OWN_PARTITIONS) else "missing"


def changes(old: bytes, new: bytes) -> list[str]:
    """What a refresh adds and removes, a line per CA: '+ name sha256' or '- name sha256'."""
    before = {(_name(c), _fingerprint(c)) for c in _load(old)} if old else set()
    after = {(_name(c), _fingerprint(c)) for c in _load(new)}
    return [f"- {name} {digest}" for name, digest in sorted(before - after)] + [
        f"+ {name} {digest}" for name, digest in sorted(after - before)
    ]


def pin(dockerfile: str, digest: str) -> str:
    """The Dockerfile text with RDS_CA_BUNDLE_SHA256's default set to `digest`."""
    text, count = re.subn(rf"^ARG {PIN}=.*$", f"ARG {PIN}={digest}", dockerfile, flags=re.MULTILINE)
    if count != 1:
        raise BundleError(f"the Dockerfile has {count} 'ARG {PIN}=' lines, expected 1")
    return text


def fetch(url: str = URL) -> bytes:
    """AWS's bundle over TLS (certificate and host checked by urllib's default context)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return bytes(response.read())


def refresh(
    fetched: bytes, *, origin: str, bundle: Path = BUNDLE, dockerfile: Path = DOCKERFILE
) -> list[str]:
    """Write `fetched` (AWS's bundle, read from `origin`) as the bundle and set the Dockerfile's pin;
    return :func:`changes`. Writes nothing when the CAs are the ones the bundle holds (returns []).
    Raises BundleError, and writes nothing, if it fails a check or drops a region now covered."""
    source = f"{origin}, sha256 {hashlib.sha256(fetched).hexdigest()}"
    now = datetime.now(UTC)
    new = render(fetched, source=source, now=now)
    pinned = pin(dockerfile.read_text(), hashlib.sha256(new).hexdigest())
    old = bundle.read_bytes() if bundle.exists() else b""
    lost = regions(old, now=now) - regions(new, now=now) if old else frozenset()
    if lost:
        # AWS does not withdraw a region's root before it expires: a copy that lacks one is suspect
        raise BundleError(
            f"it lacks the root CAs of regions the current bundle covers: {', '.join(sorted(lost))}"
        )
    found = changes(old, new)
    if old and not found:
        return []  # the same CAs: the file, the pin and the image tag stay as they are
    bundle.write_bytes(new)
    dockerfile.write_text(pinned)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="check a bundle file (the image build)")
    checking.add_argument("--sha256", help=f"the pin ({PIN}); left out: the content only")
    checking.add_argument("bundle", type=Path)
    refreshing = commands.add_parser("refresh", help="fetch AWS's bundle into the repository")
    source = refreshing.add_mutually_exclusive_group()
    source.add_argument("--url", default=URL, help=f"where to fetch it (https); default {URL}")
    source.add_argument("--file", type=Path, help="a copy fetched elsewhere, for a machine without access")
    options = parser.parse_args(argv)
    try:
        if options.command == "check":
            if options.sha256 is not None and not options.sha256.strip():
                # the build passes its ARG: an empty one must not turn the checksum off
                raise BundleError(f"the pin is empty (--sha256 ''): set {PIN}, or leave --sha256 out")
            pem = options.bundle.read_bytes()
            count = check(pem, sha256=options.sha256 or "")
            state = "pinned" if options.sha256 else f"not pinned: no {PIN}"
            print(f"RDS CA bundle: {count} certificates, sha256 {hashlib.sha256(pem).hexdigest()} ({state})")
            return 0
        if options.file is not None:
            lines = refresh(
                options.file.read_bytes(),
                origin=f"the file {options.file.name}",
                bundle=BUNDLE,
                dockerfile=DOCKERFILE,
            )
        elif not options.url.startswith("https://"):
            parser.error(f"--url must be https, got {options.url!r}")
        else:
            lines = refresh(fetch(options.url), origin=options.url, bundle=BUNDLE, dockerfile=DOCKERFILE)
    except BundleError as error:
        print(f"RDS CA bundle refused: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError, http.client.HTTPException) as error:  # e.g. InvalidURL, IncompleteRead
        print(f"RDS CA bundle not read: {error}", file=sys.stderr)
        return 1
    if not lines:
        print(f"no change: {BUNDLE.name} holds these CAs already; nothing written")
        return 0
    print("\n".join(lines))
    print(f"{BUNDLE.name} and the Dockerfile's {PIN} are written; regenerate the golden plans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
