"""The twin's Redis configuration: TLS only with an AUTH token in like-aws mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_stack.local.redis import Redis, _command
from superset_stack.local.tls import IssuedFiles


def server(tmp_path: Path, **changes: object) -> Redis:
    values: dict[str, object] = {"data_dir": tmp_path / "redis", "port": 6380, "log_file": tmp_path / "redis.log",
                                 "binary": Path("/usr/bin/redis-server"), **changes}  # fmt: skip
    return Redis(**values)  # type: ignore[arg-type]


def test_like_aws_redis_has_no_plain_port_and_requires_the_token(tmp_path: Path) -> None:
    certificate = IssuedFiles(tmp_path / "redis.pem", tmp_path / "redis.key")
    conf = server(
        tmp_path, password="a/b+c@d:e", certificate=certificate, ca_file=tmp_path / "ca.pem"
    ).configuration()
    lines = conf.splitlines()
    assert lines[7:] == [
        "port 0",
        "tls-port 6380",
        f'tls-cert-file "{tmp_path}/redis.pem"',
        f'tls-key-file "{tmp_path}/redis.key"',
        f'tls-ca-cert-file "{tmp_path}/ca.pem"',
        "tls-auth-clients no",
        'tls-protocols "TLSv1.2 TLSv1.3"',
        'requirepass "a/b+c@d:e"',
    ]
    assert lines[0] == "bind 127.0.0.1"


def test_default_redis_is_plain_and_open_on_loopback(tmp_path: Path) -> None:
    lines = server(tmp_path).configuration().splitlines()
    assert lines[-1] == "port 6380"
    assert not any(line.startswith(("tls-", "requirepass")) for line in lines)


def test_a_value_that_would_break_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="may not contain quotes, backslashes or newlines"):
        server(tmp_path, password='to"ken').configuration()


def test_commands_carry_any_token_byte_for_byte() -> None:
    assert _command("AUTH", "a b\r\n") == b"*2\r\n$4\r\nAUTH\r\n$5\r\na b\r\n\r\n"
