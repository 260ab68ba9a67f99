"""The twin's PostgreSQL: pgserver's binaries (pip-installed) or the system's, on 127.0.0.1 only.

PostgreSQL refuses to run as root, so as root the server runs as an unprivileged system user
(created once); the data folder belongs to it. Password (SCRAM) authentication over TCP, no unix
socket: the same path Superset takes to RDS. With TLS (like-aws) the server accepts TLS 1.2+
connections only (pg_hba: hostssl, plain refused, as RDS with rds.force_ssl=1), with a certificate
from the twin's CA, and every client here connects with sslmode=verify-full; pgserver's build has
no TLS, so that mode runs the system's PostgreSQL.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from superset_stack.local.files import owned_folder, run_as, service_user, write_private
from superset_stack.local.processes import TwinError, start, wait_until

SYSTEM_BINARIES = "/usr/lib/postgresql/*/bin"  # Debian's and Ubuntu's layout
INSTALL_HINT = "`apt-get install postgresql` (Debian, Ubuntu), or give --postgres-bin DIR"
HBA_FILE = "twin_hba.conf"
CERTIFICATE_FILE = "twin_server.crt"
SUPERUSER_RESERVED_CONNECTIONS = 3  # PostgreSQL's superuser_reserved_connections, left at its default
KEY_FILE = "twin_server.key"


def binaries(system_bin: Path | None = None) -> Path:
    """Folder holding initdb, postgres, pg_isready and psql."""
    if system_bin is not None:
        if not (system_bin / "postgres").exists():
            raise TwinError(
                f"no postgres binary in {system_bin}; point --postgres-bin at PostgreSQL's bin folder"
            )
        return system_bin
    return package_folder("pgserver") / "pginstall" / "bin"


def tls_binaries(system_bin: Path | None = None) -> Path:
    """A PostgreSQL built with TLS: the one given, else the newest of the system's."""
    if system_bin is None:
        found = sorted(
            (Path(folder) for folder in glob.glob(SYSTEM_BINARIES) if (Path(folder) / "postgres").exists()),
            key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
        )
        if not found:
            raise TwinError(
                f"--like-aws needs a PostgreSQL built with TLS (pgserver's is not): {INSTALL_HINT}"
            )
        system_bin = found[-1]
    folder = binaries(system_bin)
    if not supports_tls(folder):
        raise TwinError(
            f"the PostgreSQL in {folder} is built without TLS, which --like-aws needs: {INSTALL_HINT}"
        )
    return folder


def supports_tls(bin_dir: Path) -> bool:
    """pg_config says how the server was built; without pg_config, assume TLS and let start-up tell."""
    pg_config = bin_dir / "pg_config"
    if not pg_config.exists():
        return True
    configure = subprocess.run([str(pg_config), "--configure"], capture_output=True, text=True, check=False)
    return "--with-openssl" in configure.stdout or "--with-ssl=openssl" in configure.stdout


def major_version(bin_dir: Path) -> str:
    """'15' for `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`."""
    version = subprocess.run([str(bin_dir / "postgres"), "-V"], capture_output=True, text=True, check=False)
    found = re.search(r"\) (\d+)", version.stdout)
    return found.group(1) if found else ""


def hba(*, tls: bool) -> str:
    """pg_hba.conf: SCRAM passwords from loopback; with TLS, TLS connections only."""
    if not tls:
        return "host all all 127.0.0.1/32 scram-sha-256\n"
    return (
        "# TLS required, as on RDS with rds.force_ssl=1: a plain connection is refused.\n"
        "hostssl   all all 127.0.0.1/32 scram-sha-256\n"
        "hostnossl all all 0.0.0.0/0    reject\n"
    )


def package_folder(name: str) -> Path:
    """Where a pip package lives, without importing it (pgserver's import has side effects)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise TwinError(f"{name} is not installed; run `make install` (or point the twin at system binaries)")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class Postgres:
    data_dir: Path
    port: int
    user: str
    password: str
    log_file: Path
    bin_dir: Path
    # the twin's default; the connection-budget benchmark sets an RDS instance class's value
    max_connections: int = 100
    # TLS required (like-aws): clients verify the server's certificate against this CA and name
    ca_file: Path | None = None
    host: str = "127.0.0.1"

    def _client_args(self) -> list[str]:
        """How clients reach the server: TCP on loopback as the superuser (there is no unix socket)."""
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    def _client_environment(self) -> dict[str, str]:
        tls = {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(self.ca_file)} if self.ca_file else {}
        return {**os.environ, "PGPASSWORD": self.password, **tls}

    def psql(self, database: str, sql: str) -> str:
        """Run SQL as the superuser; the unaligned, tuples-only output."""
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                *self._client_args(),
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-tAc",
                sql,
            ],
            check=False,
            capture_output=True,
            text=True,
            env=self._client_environment(),
        )
        if result.returncode != 0:
            raise TwinError(f"psql failed on {database}: {result.stderr.strip()}")
        return result.stdout.strip()

    def initialise(self) -> None:
        """Create the cluster once, with `user` as its password-protected superuser."""
        if (self.data_dir / "PG_VERSION").exists():
            self._check_version()
            return
        owner = service_user()
        owned_folder(self.data_dir, owner)
        password_file = self.data_dir.parent / ".initdb-password"
        write_private(password_file, self.password, owner=owner)
        try:
            result = subprocess.run(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.user,
                    f"--pwfile={password_file}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
                check=False,
                capture_output=True,
                text=True,
                **run_as(owner),
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise TwinError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def _check_version(self) -> None:
        cluster = (self.data_dir / "PG_VERSION").read_text().strip()
        server = major_version(self.bin_dir)
        if server and cluster != server:
            raise TwinError(
                f"the PostgreSQL cluster in {self.data_dir} is version {cluster}, the server in "
                f"{self.bin_dir} is {server} (the default twin runs pgserver's PostgreSQL 16, --like-aws "
                f"the system's); use another --state-dir, or `superset-stack local down --delete-data` first"
            )

    def install_certificate(self, certificate: bytes, key: bytes) -> None:
        """The server's certificate and key, in the data folder and owned by the server's user."""
        owner = service_user()
        write_private(self.data_dir / CERTIFICATE_FILE, certificate, owner=owner)
        write_private(self.data_dir / KEY_FILE, key, owner=owner)

    def _settings(self) -> list[str]:
        settings = [
            f"max_connections={self.max_connections}",
            "shared_buffers=128MB",
            f"hba_file={self.data_dir / HBA_FILE}",
        ]
        if self.ca_file:
            settings += [
                "ssl=on",
                f"ssl_cert_file={self.data_dir / CERTIFICATE_FILE}",
                f"ssl_key_file={self.data_dir / KEY_FILE}",
                "ssl_min_protocol_version=TLSv1.2",
            ]
        return [argument for setting in settings for argument in ("-c", setting)]

    def start(self) -> int:
        owner = service_user()
        write_private(self.data_dir / HBA_FILE, hba(tls=self.ca_file is not None), owner=owner)
        pid = start(
            [
                str(self.bin_dir / "postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                "",
                *self._settings(),
            ],
            log_file=self.log_file,
            user=owner,
            cwd=self.data_dir,
        )
        wait_until(self.ready, timeout_seconds=60, what="PostgreSQL", pid=pid, log_file=self.log_file)
        return pid

    def ready(self) -> bool:
        result = subprocess.run(
            [
                str(self.bin_dir / "pg_isready"),
                *self._client_args(),
                "-q",
            ],
            check=False,
            capture_output=True,
            env=self._client_environment(),
        )
        return result.returncode == 0

    def ensure_database(self, name: str) -> None:
        exists = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists != "1":
            self.psql("postgres", f'CREATE DATABASE "{name}"')

    def url(self, database: str) -> str:
        """libpq URL as the superuser; with TLS it verifies the server (sslmode=verify-full)."""
        tls = f"?sslmode=verify-full&sslrootcert={quote(str(self.ca_file))}" if self.ca_file else ""
        credentials = f"{self.user}:{quote(self.password, safe='')}"
        return f"postgresql://{credentials}@{self.host}:{self.port}/{database}{tls}"
