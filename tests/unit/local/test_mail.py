"""The twin's mail relay: every message kept as an .eml file; like-aws: STARTTLS and a login first."""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from superset_stack.local.mail import MailServer
from superset_stack.local.processes import free_port, stop
from superset_stack.local.tls import CertificateAuthority


def message(to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "superset@localhost", to, "[Superset] Sales"
    mail.set_content("the report")
    return mail


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(port=free_port(), mail_dir=tmp_path / "mail", log_file=tmp_path / "smtp.log")
    pid = server.start()
    yield server
    stop(pid)


@pytest.fixture
def like_aws(tmp_path: Path) -> Iterator[tuple[MailServer, Path]]:
    (tmp_path / "tls").mkdir()
    authority = CertificateAuthority.load_or_create(tmp_path / "tls")
    certificate = authority.issue_files(
        tmp_path / "tls", "smtp", dns_names=("localhost",), ip_addresses=("127.0.0.1",)
    )
    server = MailServer(port=free_port(), mail_dir=tmp_path / "mail", log_file=tmp_path / "smtp.log",
                        certificate=certificate, user="superset", password="s3cret")  # fmt: skip
    pid = server.start()
    yield server, tmp_path / "tls" / "ca.pem"
    stop(pid)


def test_every_message_is_kept_whole_as_a_private_eml_file(plain: MailServer) -> None:
    with smtplib.SMTP("127.0.0.1", plain.port, timeout=10) as client:
        client.send_message(message("a@example.com"))
        client.send_message(message("b@example.com"))
    first, second = plain.messages()
    assert b"To: a@example.com" in first.read_bytes() and b"To: b@example.com" in second.read_bytes()
    assert first.stat().st_mode & 0o777 == 0o600
    assert "tls=no login=-" in Path(plain.log_file).read_text()


def test_like_aws_plain_text_and_wrong_logins_are_refused(like_aws: tuple[MailServer, Path]) -> None:
    server, ca = like_aws
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client, pytest.raises(smtplib.SMTPException):
        client.send_message(message("a@example.com"))  # "530 Must issue a STARTTLS command first"
    with smtplib.SMTP("localhost", server.port, timeout=10) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(ca)))
        client.ehlo()
        code, _ = client.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0superset\0wrong").decode())
        assert code == 535  # authentication failed
        with pytest.raises(smtplib.SMTPSenderRefused, match="Authentication required"):
            client.send_message(message("a@example.com"))
    assert server.messages() == []


def test_like_aws_starttls_verified_against_the_ca_then_a_login(like_aws: tuple[MailServer, Path]) -> None:
    server, ca = like_aws
    with smtplib.SMTP("localhost", server.port, timeout=10) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(ca)))  # chain and host name checked
        client.login("superset", "s3cret")
        client.send_message(message("a@example.com"))
    assert len(server.messages()) == 1
    assert "tls=yes login=superset" in Path(server.log_file).read_text()
