"""Real identity providers on loopback for the sign-in tests, each with a certificate from a test CA.

- `oidc_provider`: panva's oidc-provider (OpenID Certified) on Node.js, from the fixture folder
  tests/fixtures/oidc_provider (package-lock.json pinned; `npm ci` on first use), with its own login
  page that checks each user's password.
- `ldap_directory`: Debian's slapd with its own configuration and data folder, ldaps:// and
  ldap:// (StartTLS required for binds: plain binds are refused by the server itself), groups of
  names with the memberof overlay, a service account that may read, users that may only bind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from superset_stack.local.processes import free_port
from superset_stack.local.tls import CertificateAuthority
from tests.missing import missing
from tests.runtime_venv import runtime_python

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "oidc_provider"
SLAPD = Path("/usr/sbin/slapd")
SUFFIX = "dc=example,dc=org"
SERVICE_DN = f"cn=superset,ou=services,{SUFFIX}"


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    groups: tuple[str, ...]
    given_name: str = "Test"

    @property
    def family_name(self) -> str:
        return self.username.capitalize()

    @property
    def email(self) -> str:
        return f"{self.username}@example.org"


def authority_in(folder: Path) -> CertificateAuthority:
    folder.mkdir(parents=True, exist_ok=True)
    return CertificateAuthority.load_or_create(folder)


def _wait(check: object, what: str, log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


# --- OpenID Connect ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    ca_file: Path
    client_id: str
    client_secret: str
    log: Path


def _node_modules() -> None:
    """`npm ci` in the fixture folder when its node_modules is missing or older than the lock."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing("Node.js and npm are not installed (the machine image has Node.js 20)")
    installed = FIXTURE / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= (FIXTURE / "package-lock.json").stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FIXTURE, check=True, capture_output=True,
                   timeout=600)  # fmt: skip


@contextmanager
def oidc_provider(
    folder: Path,
    *,
    redirect_uris: Sequence[str],
    people: Sequence[Person],
    conform_id_token_claims: bool = True,
) -> Iterator[OidcProvider]:
    """oidc-provider on https://localhost:<free port>, one confidential client, `people` as users."""
    _node_modules()
    authority = authority_in(folder / "ca")
    files = authority.issue_files(folder, "idp", dns_names=("localhost",), ip_addresses=("127.0.0.1",))
    port = free_port()
    provider = OidcProvider(
        issuer=f"https://localhost:{port}",
        ca_file=authority.certificate_file,
        client_id="superset",
        client_secret=os.urandom(16).hex(),
        log=folder / "oidc-provider.log",
    )
    users = [{"username": p.username, "password": p.password, "sub": f"sub-{p.username}", "email": p.email,
              "given_name": p.given_name, "family_name": p.family_name, "groups": list(p.groups)} for p in people]  # fmt: skip
    config = folder / "oidc-provider.json"
    config.write_text(json.dumps({
        "issuer": provider.issuer, "port": port, "certificate": str(files.certificate), "key": str(files.key),
        "conformIdTokenClaims": conform_id_token_claims, "users": users,
        "clients": [{"client_id": provider.client_id, "client_secret": provider.client_secret,
                     "redirect_uris": list(redirect_uris)}],
    }))  # fmt: skip
    with provider.log.open("wb") as log:
        process = subprocess.Popen(["node", str(FIXTURE / "provider.mjs"), str(config)], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=FIXTURE)  # fmt: skip
    try:
        _wait(lambda: _answers(provider), "oidc-provider", provider.log, process)
        yield provider
    finally:
        _stop(process)


def _answers(provider: OidcProvider) -> bool:
    context = ssl.create_default_context(cafile=str(provider.ca_file))
    try:
        with urllib.request.urlopen(f"{provider.issuer}/.well-known/openid-configuration", context=context,
                                    timeout=2) as response:  # fmt: skip
            return bool(response.status == 200)
    except OSError:
        return False


# --- LDAP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    ldaps_url: str  # ldaps://127.0.0.1:<port>
    ldap_url: str  # ldap://127.0.0.1:<port> (StartTLS)
    wrong_host_url: str  # ldaps://127.0.0.2:<port>: the same server, a name its certificate lacks
    ca_file: Path
    service_password: str
    port: int
    people: Sequence[Person] = field(default_factory=tuple)

    def group_dn(self, name: str) -> str:
        return f"cn={name},ou=groups,{SUFFIX}"

    def user_dn(self, username: str) -> str:
        return f"uid={username},ou=people,{SUFFIX}"


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
TLSCACertificateFile {ca}
TLSCertificateFile {certificate}
TLSCertificateKeyFile {key}
TLSProtocolMin 3.3
# binds only over TLS (or the local socket the fixture loads the data through)
security simple_bind=71

database mdb
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw {root_password}
directory {folder}/data
overlay memberof
access to attrs=userPassword by self read by anonymous auth by * none
access to * by dn.exact="{service}" read by self read by * none
"""


def _ldif(people: Sequence[Person], service_password: str) -> str:
    groups: dict[str, list[str]] = {}
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example",
        *(f"dn: ou={unit},{SUFFIX}\nobjectClass: organizationalUnit\nou: {unit}"
          for unit in ("people", "groups", "services")),
        f"dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: superset\nsn: service\n"
        f"userPassword: {service_password}",
    ]  # fmt: skip
    for person in people:
        entries.append(
            f"dn: uid={person.username},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {person.username}\n"
            f"cn: {person.given_name} {person.family_name}\ngivenName: {person.given_name}\n"
            f"sn: {person.family_name}\nmail: {person.email}\nuserPassword: {person.password}"
        )
        for group in person.groups:
            groups.setdefault(group, []).append(f"uid={person.username},ou=people,{SUFFIX}")
    for group, members in groups.items():
        lines = "\n".join(f"member: {member}" for member in members)
        entries.append(f"dn: cn={group},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {group}\n{lines}")
    return "\n\n".join(entries) + "\n"


@contextmanager
def ldap_directory(folder: Path, *, people: Sequence[Person]) -> Iterator[Directory]:
    """slapd with ldaps:// and ldap:// (StartTLS) on free loopback ports and a certificate for
    127.0.0.1 (libldap checks "localhost" against the reverse lookup of the peer, not the URL), also
    listening on 127.0.0.2, which the certificate does not name."""
    if not SLAPD.exists() or shutil.which("ldapadd") is None:
        missing(
            "slapd and ldapadd are not installed (apt-get install slapd ldap-utils); .ci/run installs them"
        )
    python = runtime_python()
    if subprocess.run([str(python), "-c", "import ldap"], capture_output=True, check=False).returncode:
        missing(
            f"python-ldap is not in the runtime {python.parent.parent} (runtime/extras/ldap.lock: `make "
            "unit` installs it where OpenLDAP's headers are: apt-get install libldap2-dev libsasl2-dev gcc)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir()
    authority = authority_in(folder / "ca")
    files = authority.issue_files(folder, "slapd", dns_names=("ldap.invalid",), ip_addresses=("127.0.0.1",))
    root_password, service_password = os.urandom(12).hex(), os.urandom(12).hex()
    (folder / "slapd.conf").write_text(SLAPD_CONF.format(
        folder=folder, ca=authority.certificate_file, certificate=files.certificate, key=files.key,
        suffix=SUFFIX, root_password=root_password, service=SERVICE_DN,
    ))  # fmt: skip
    ldaps, ldap = free_port(), free_port()
    socket = folder / "ldapi"
    ldapi = "ldapi://" + urllib.request.quote(str(socket), safe="")
    log = folder / "slapd.log"
    urls = f"ldaps://127.0.0.1:{ldaps}/ ldaps://127.0.0.2:{ldaps}/ ldap://127.0.0.1:{ldap}/ {ldapi}"
    with log.open("wb") as output:
        # -d 0: stay in the foreground (so the fixture owns the process), without debug output
        process = subprocess.Popen([str(SLAPD), "-f", str(folder / "slapd.conf"), "-h", urls, "-d", "0"],
                                   stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait(socket.exists, "slapd", log, process)
        subprocess.run(["ldapadd", "-x", "-H", ldapi, "-D", f"cn=admin,{SUFFIX}", "-w", root_password],
                       input=_ldif(people, service_password).encode(), check=True, capture_output=True, timeout=60)  # fmt: skip
        yield Directory(
            ldaps_url=f"ldaps://127.0.0.1:{ldaps}",
            ldap_url=f"ldap://127.0.0.1:{ldap}",
            wrong_host_url=f"ldaps://127.0.0.2:{ldaps}",
            ca_file=authority.certificate_file,
            service_password=service_password,
            port=ldaps,
            people=tuple(people),
        )
    finally:
        _stop(process)
