"""The twin's mail relay: a real SMTP server on loopback that keeps every message as an .eml file.

It stands in for the stack's SMTP relay (Amazon SES or a company relay): Superset's worker sends
alert and report e-mail to it with smtplib, exactly as on ECS, and each message lands in the mail
folder as `<nanoseconds>-<n>.eml` (0600, written whole under a temporary name, then renamed), the
bytes as received. In the default twin it speaks plain SMTP (SMTP_SECURITY=none, allowed locally
only); in the like-aws twin it requires STARTTLS with a certificate from the twin's CA and a login
(user and password from the twin's secrets), as a relay on AWS would.

aiosmtpd runs in its own process with the project's interpreter (`python -m
superset_stack.local.mail`), never inside the Superset runtime; the password reaches it through
its environment, not its command line.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import smtplib
import ssl
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superset_stack.local.files import private_folder, write_private
from superset_stack.local.processes import start, wait_until
from superset_stack.local.tls import IssuedFiles

HOST = "localhost"
LISTEN_ADDRESS = "127.0.0.1"
PASSWORD_VARIABLE = "TWIN_SMTP_PASSWORD"
INSTALL_HINT = "reinstall the project (`make install`: aiosmtpd is one of its dependencies)"


@dataclass(frozen=True)
class MailServer:
    """The relay as the twin runs it: where it listens and stores, and how clients must talk to it."""

    port: int
    mail_dir: Path
    log_file: Path
    certificate: IssuedFiles | None = None  # like-aws: STARTTLS required, and a login
    user: str = ""
    password: str = ""

    def start(self) -> int:
        """Start the relay, wait until it greets; its pid."""
        private_folder(self.mail_dir)
        argv = [sys.executable, "-m", "superset_stack.local.mail", "--port", str(self.port),
                "--mail-dir", str(self.mail_dir)]  # fmt: skip
        if self.certificate is not None:
            argv += ["--certificate", str(self.certificate.certificate), "--key", str(self.certificate.key),
                     "--user", self.user]  # fmt: skip
        pid = start(argv, log_file=self.log_file, env={**os.environ, PASSWORD_VARIABLE: self.password})
        wait_until(self.ready, timeout_seconds=30, what="the SMTP relay", pid=pid, log_file=self.log_file)
        return pid

    def ready(self) -> bool:
        """The relay answers EHLO on its port."""
        try:
            with smtplib.SMTP(LISTEN_ADDRESS, self.port, timeout=2) as client:
                return client.ehlo()[0] == 250
        except (OSError, smtplib.SMTPException):
            return False

    def messages(self) -> list[Path]:
        """The stored messages, oldest first."""
        return sorted(self.mail_dir.glob("*.eml")) if self.mail_dir.exists() else []


class StoringHandler:
    """aiosmtpd handler: every accepted message as one .eml file in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            name = f"{time.time_ns()}-{next(self._numbers)}.eml"
        content = envelope.original_content or envelope.content
        write_private(self.folder / name, content if isinstance(content, bytes) else content.encode())
        tls = "yes" if session.ssl else "no"
        login = session.auth_data if session.authenticated else "-"
        print(f"stored {name}: {len(content)} bytes from {envelope.mail_from} to {envelope.rcpt_tos}, "
              f"tls={tls} login={login}", flush=True)  # fmt: skip
        return "250 Message accepted for delivery"


def _authenticator(user: str, password: str) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        given = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode())
        # handled=False: aiosmtpd answers a failure with 535 (handled=True would answer nothing)
        return AuthResult(success=given == (user, password), handled=False, auth_data=user)

    return check


def serve(arguments: argparse.Namespace) -> None:
    """Run the relay until SIGTERM or SIGINT."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        sys.exit(f"aiosmtpd is not installed in {sys.prefix}; {INSTALL_HINT}")
    options: dict[str, Any] = {"hostname": LISTEN_ADDRESS, "port": arguments.port, "server_hostname": HOST}
    if arguments.certificate:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(arguments.certificate, arguments.key)
        password = os.environ.get(PASSWORD_VARIABLE, "")
        options |= {"tls_context": context, "require_starttls": True, "auth_required": True,
                    "authenticator": _authenticator(arguments.user, password)}  # fmt: skip
    controller = Controller(StoringHandler(Path(arguments.mail_dir)), **options)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    controller.start()
    print(f"SMTP relay on {LISTEN_ADDRESS}:{arguments.port}, storing in {arguments.mail_dir}", flush=True)
    stopped.wait()
    controller.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mail-dir", required=True)
    parser.add_argument("--certificate", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--user", default="")
    serve(parser.parse_args(argv))


if __name__ == "__main__":
    main()
