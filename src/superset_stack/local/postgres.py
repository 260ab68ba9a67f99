"""The twin's PostgreSQL: pgserver's binaries (pip-installed) or the system's, on 127.0.0.1 only.

PostgreSQL refuses to run as root, so as root the server runs as an unprivileged system user
(created once); the data folder belongs to it. Password (SCRAM) authentication over TCP, no unix
socket: the same path Superset takes to RDS, minus TLS.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from superset_stack.local.processes import TwinError, start, wait_until

SYSTEM_USER = "superset-twin"


def binaries(system_bin: Path | None = None) -> Path:
    """Folder holding initdb, postgres, pg_isready and psql."""
    if system_bin is not None:
        if not (system_bin / "postgres").exists():
            raise TwinError(
                f"no postgres binary in {system_bin}; point --postgres-bin at PostgreSQL's bin folder"
            )
        return system_bin
    return package_folder("pgserver") / "pginstall" / "bin"


def package_folder(name: str) -> Path:
    """Where a pip package lives, without importing it (pgserver's import has side effects)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise TwinError(f"{name} is not installed; run `make install` (or point the twin at system binaries)")
    return Path(next(iter(spec.submodule_search_locations)))


def run_as_user() -> str | None:
    """The user the server runs as: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


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

    def _client_args(self) -> list[str]:
        """How clients reach the server: TCP on loopback as the superuser (there is no unix socket)."""
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]

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
            env={**os.environ, "PGPASSWORD": self.password},
        )
        if result.returncode != 0:
            raise TwinError(f"psql failed on {database}: {result.stderr.strip()}")
        return result.stdout.strip()

    def initialise(self) -> None:
        """Create the cluster once, with `user` as its password-protected superuser."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        owner = run_as_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        password_file = self.data_dir.parent / ".initdb-password"
        password_file.write_text(self.password)
        password_file.chmod(0o600)
        if owner is not None:
            shutil.chown(self.data_dir, owner, owner)
            shutil.chown(password_file, owner, owner)
        self.data_dir.chmod(0o700)
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
                user=owner,
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise TwinError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> int:
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
                "-c",
                f"max_connections={self.max_connections}",
                "-c",
                "shared_buffers=128MB",
            ],
            log_file=self.log_file,
            user=run_as_user(),
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
        )
        return result.returncode == 0

    def ensure_database(self, name: str) -> None:
        exists = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists != "1":
            self.psql("postgres", f'CREATE DATABASE "{name}"')

    def url(self, database: str) -> str:
        from urllib.parse import quote

        return f"postgresql://{self.user}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{database}"
