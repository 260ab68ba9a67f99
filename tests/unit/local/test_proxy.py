"""The load balancer's stand-in: nginx.conf as the ALB behaves, and what to install without nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_stack.local.processes import TwinError
from superset_stack.local.proxy import ProxyConfig, nginx_binary, render

CONFIG = ProxyConfig(https_port=8443, http_port=8080, upstream_port=8088, certificate=Path("/s/tls/proxy.pem"),
                     key=Path("/s/tls/proxy.key"), folder=Path("/s/proxy"), idle_timeout_seconds=65)  # fmt: skip


def directives(text: str) -> list[str]:
    """The configuration's statements, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_https_listener_takes_tls_1_2_and_1_3_only_with_the_twins_certificate() -> None:
    conf = directives(render(CONFIG))
    assert "listen 127.0.0.1:8443 ssl http2;" in conf
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "ssl_certificate /s/tls/proxy.pem;" in conf
    assert "ssl_certificate_key /s/tls/proxy.key;" in conf
    assert (
        "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384;"
        in conf
    )


def test_plain_http_is_answered_with_301_to_the_https_listener() -> None:
    conf = directives(render(CONFIG))
    http = conf[conf.index("listen 127.0.0.1:8080;") : conf.index("listen 127.0.0.1:8080;") + 2]
    assert http == ["listen 127.0.0.1:8080;", "return 301 https://$host:8443$request_uri;"]


def test_forwarded_headers_are_set_as_the_alb_sets_them() -> None:
    conf = directives(render(CONFIG))
    assert [line for line in conf if line.startswith("proxy_set_header")] == [
        'proxy_set_header Connection "";',
        "proxy_set_header Host $http_host;",  # the client's Host, unchanged
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",  # the client address appended
        "proxy_set_header X-Forwarded-Proto https;",  # a client's value overwritten
        "proxy_set_header X-Forwarded-Port 8443;",
    ]  # X-Forwarded-Host and -Prefix pass through untouched, as the ALB passes them
    assert "proxy_pass http://superset;" in conf
    assert "server 127.0.0.1:8088;" in conf


def test_invalid_header_names_are_dropped() -> None:
    conf = directives(render(CONFIG))
    assert {"ignore_invalid_headers on;", "underscores_in_headers off;"} <= set(conf)


def test_the_idle_timeout_applies_towards_clients_and_gunicorn() -> None:
    conf = directives(render(CONFIG))
    for directive in ("keepalive_timeout", "client_header_timeout", "client_body_timeout", "send_timeout",
                      "proxy_read_timeout", "proxy_send_timeout"):  # fmt: skip
        assert [line for line in conf if line.startswith(directive + " ")] == [f"{directive} 65s;"] * (
            2 if directive == "keepalive_timeout" else 1  # clients, and the upstream's pooled connections
        ), directive


def test_everything_nginx_writes_stays_in_the_state_folder() -> None:
    conf = directives(render(CONFIG))
    assert "daemon off;" in conf and "pid /s/proxy/nginx.pid;" in conf
    temp = [line for line in conf if "_temp_path " in line]
    assert len(temp) == 5 and all(" /s/proxy/temp/" in line for line in temp)
    assert not any(line.startswith("user ") for line in conf)


def test_as_root_the_workers_run_as_the_service_user() -> None:
    conf = directives(render(ProxyConfig(**{**CONFIG.__dict__, "worker_user": "superset-twin"})))
    assert "user superset-twin;" in conf


def test_a_missing_nginx_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TwinError, match=r"no nginx at .*/nowhere; --like-aws runs it as the load balancer: "
                                        r"`apt-get install nginx` \(Debian, Ubuntu\), or give --nginx PATH"):  # fmt: skip
        nginx_binary(tmp_path / "nowhere")
    monkeypatch.setattr("shutil.which", lambda *_args, **_kwargs: None)
    with pytest.raises(TwinError, match=r"^nginx is not installed; --like-aws runs it as the load balancer: "
                                        r"`apt-get install nginx`"):  # fmt: skip
        nginx_binary()
