"""The like-aws twin's stand-in for the application load balancer: Debian's nginx.

It does what the stack's ALB does (aws/load_balancer.py), on loopback ports:
- HTTPS listener: TLS 1.2 and 1.3 only (ELBSecurityPolicy-TLS13-1-2-*: ECDHE with AES-GCM for
  TLS 1.2), the twin CA's certificate, HTTP/2;
- HTTP listener: 301 to the HTTPS listener, same host, path and query;
- X-Forwarded-For gets the client address appended, X-Forwarded-Proto and -Port are set to the
  listener's (a client's values are overwritten); Host and every other header pass unchanged,
  X-Forwarded-Host and -Prefix included, as the ALB passes them;
- drop_invalid_header_fields: header names outside [A-Za-z0-9-] (underscores too) are dropped;
- the idle timeout of the timeout chain on both sides (gunicorn timeout < it < gunicorn keep-alive).

nginx runs in the foreground (`daemon off`) with its pid file, temporary files and configuration in
the state folder; as root its workers run as the twin's service user.
"""

from __future__ import annotations

import shutil
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from superset_stack.local.files import owned_folder, private_folder
from superset_stack.local.processes import TwinError, start, wait_until

HOST = "localhost"
LISTEN_ADDRESS = "127.0.0.1"
# TLS 1.2 suites of the ALB's TLS13-1-2 "Res" policies (TLS 1.3 suites are OpenSSL's defaults).
TLS12_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
)
# The ALB waits at most 10 s for a connection to a target.
CONNECT_TIMEOUT_SECONDS = 10
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
INSTALL_HINT = "`apt-get install nginx` (Debian, Ubuntu), or give --nginx PATH"


def nginx_binary(explicit: Path | None = None) -> Path:
    """nginx to run: the one given, else the one on PATH or in /usr/sbin; says how to install it."""
    if explicit is not None:
        if not explicit.is_file():
            raise TwinError(
                f"no nginx at {explicit}; --like-aws runs it as the load balancer: {INSTALL_HINT}"
            )
        return explicit
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise TwinError(f"nginx is not installed; --like-aws runs it as the load balancer: {INSTALL_HINT}")
    return Path(found)


@dataclass(frozen=True)
class ProxyConfig:
    https_port: int
    http_port: int
    upstream_port: int  # gunicorn, on 127.0.0.1
    certificate: Path
    key: Path
    folder: Path  # pid file and temporary files
    idle_timeout_seconds: int
    worker_user: str | None = None  # as root: the unprivileged user of the worker processes


def render(config: ProxyConfig) -> str:
    """nginx.conf for `config`."""
    idle = f"{config.idle_timeout_seconds}s"
    temp = "\n".join(f"    {name}_temp_path {config.folder / 'temp' / name};" for name in TEMP_PATHS)
    user = f"user {config.worker_user};\n" if config.worker_user else ""
    return f"""# Written by `superset-stack local up --like-aws` at every start: the load balancer's stand-in.
daemon off;
{user}worker_processes 1;
pid {config.folder / "nginx.pid"};
error_log stderr notice;
events {{
    worker_connections 1024;
}}
http {{
    log_format alb '$remote_addr "$request" $status $body_bytes_sent $request_time '
                   '$upstream_response_time "$http_user_agent" $ssl_protocol';
    access_log /dev/stdout alb;
{temp}
    server_tokens off;
    # drop_invalid_header_fields: names outside [A-Za-z0-9-] are dropped, underscores included
    ignore_invalid_headers on;
    underscores_in_headers off;
    # request line and each header at most 16 KiB, all headers at most 64 KiB
    large_client_header_buffers 4 16k;
    # no limit on request bodies (CSV uploads)
    client_max_body_size 0;
    # the load balancer's idle timeout, towards clients and towards gunicorn
    keepalive_timeout {idle};
    client_header_timeout {idle};
    client_body_timeout {idle};
    send_timeout {idle};

    upstream superset {{
        server 127.0.0.1:{config.upstream_port};
        keepalive 16;
        # below gunicorn's keep-alive: gunicorn never closes a connection that is about to be reused
        keepalive_timeout {idle};
    }}

    server {{
        listen {LISTEN_ADDRESS}:{config.http_port};
        return 301 https://$host:{config.https_port}$request_uri;
    }}

    server {{
        listen {LISTEN_ADDRESS}:{config.https_port} ssl http2;
        ssl_certificate {config.certificate};
        ssl_certificate_key {config.key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {":".join(TLS12_CIPHERS)};
        ssl_prefer_server_ciphers on;
        ssl_session_tickets off;

        location / {{
            proxy_pass http://superset;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Port {config.https_port};
            proxy_connect_timeout {CONNECT_TIMEOUT_SECONDS}s;
            proxy_read_timeout {idle};
            proxy_send_timeout {idle};
            proxy_redirect off;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Proxy:
    binary: Path
    config: ProxyConfig
    ca_file: Path
    log_file: Path

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.config.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.config.http_port}"

    def start(self) -> int:
        """Write the configuration, start nginx, wait until /health answers through it; its pid."""
        folder = private_folder(self.config.folder, shared_with=self.config.worker_user)
        owned_folder(folder / "temp", self.config.worker_user)
        configuration = folder / "nginx.conf"
        configuration.write_text(render(self.config))
        pid = start(
            [str(self.binary), "-p", str(folder), "-c", str(configuration)],
            log_file=self.log_file,
            cwd=folder,
        )
        wait_until(self.ready, timeout_seconds=30, what="nginx", pid=pid, log_file=self.log_file)
        return pid

    def ready(self) -> bool:
        """/health answers 200 through the proxy, over TLS verified against the twin's CA."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2, context=context) as response:
                return bool(response.status == 200)
        except OSError:
            return False
