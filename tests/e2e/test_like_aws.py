"""The twin as on AWS (`local up --like-aws`): what production's security rests on, end to end.

Users reach Superset only through the load balancer's stand-in (nginx, TLS 1.2+ with the twin's
CA); Superset runs with the production values (forced HTTPS, Secure cookies, HSTS, the proxy fix);
PostgreSQL takes TLS only and Redis TLS only with an AUTH token, and every client verifies their
certificates and host names. Every HTTP client here trusts only the twin's CA.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import ssl
import subprocess
import warnings
from pathlib import Path

import pytest
import redis
import requests
from typer.testing import CliRunner

from superset_stack.cli import app
from superset_stack.contract import REDIS_DATABASES
from superset_stack.local.processes import free_port, stop
from superset_stack.local.redis import Redis
from superset_stack.local.tls import CertificateAuthority
from superset_stack.local.twin import Twin
from tests.e2e.conftest import Api, Chart, async_query_rows, login


def session(twin: Twin) -> requests.Session:
    """A browser-like session that trusts the twin's CA and nothing else."""
    browser = requests.Session()
    browser.verify = str(twin.ca_file)
    browser.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over `verify`
    return browser


def form_login(twin: Twin, browser: requests.Session, *, token: bool = True, referer: bool = True) -> int:
    """The login form as a browser posts it; the status of /api/v1/me/ afterwards (200: logged in)."""
    base = twin.superset_url()
    form = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(f"{base}/login/", timeout=30).text)
    assert form, "no CSRF token on the login page"
    data = {"username": "admin", "password": twin.secrets()["admin_password"]}
    if token:
        data["csrf_token"] = form.group(1)
    headers = {"Referer": f"{base}/login/"} if referer else {}
    browser.post(f"{base}/login/", data=data, headers=headers, timeout=60)
    return browser.get(f"{base}/api/v1/me/", timeout=30).status_code


# --- the load balancer's stand-in ---------------------------------------------------------------


def test_status_names_the_https_url_the_ca_and_tls_urls_of_the_stores(aws_twin: Twin) -> None:
    result = CliRunner().invoke(
        app, ["local", "status", "--state-dir", str(aws_twin.root), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    ports = aws_twin.options.ports
    assert {name: (p["running"], p["healthy"]) for name, p in status["processes"].items()} == {
        name: (True, True) for name in ("postgres", "redis", "smtp", "web", "worker", "beat", "proxy")
    }
    assert (status["superset_url"], status["http_url"], status["ca_file"]) == (
        f"https://localhost:{ports.https}", f"http://localhost:{ports.http}", str(aws_twin.ca_file)
    )  # fmt: skip
    assert status["redis_url"].startswith("rediss://:")
    assert status["redis_url"].endswith(
        f"@localhost:{ports.redis}/0?ssl_cert_reqs=required&ssl_check_hostname=true&ssl_ca_certs={aws_twin.ca_file}"
    )
    assert status["database_url"].endswith(f"?sslmode=verify-full&sslrootcert={aws_twin.ca_file}")
    assert redis.from_url(status["redis_url"]).ping()  # usable as it is


def test_plain_http_gets_301_to_the_same_path_on_https(aws_twin: Twin) -> None:
    response = requests.get(
        f"{aws_twin.http_url()}/login/?next=%2Fchart%2Flist%2F", allow_redirects=False, timeout=10
    )
    assert (response.status_code, response.headers["Location"]) == (
        301, f"{aws_twin.superset_url()}/login/?next=%2Fchart%2Flist%2F"
    )  # fmt: skip


def handshake(twin: Twin, version: ssl.TLSVersion, *, cafile: str | None) -> str:
    """Connect to the HTTPS listener with exactly one TLS version; the version, or the error's reason."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile) if cafile else context.load_default_certs()
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # so that this client can offer TLS 1.0 and 1.1 at all
    context.minimum_version = context.maximum_version = version
    try:
        with (
            socket.create_connection(("127.0.0.1", twin.options.ports.https), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as connection,
        ):
            return str(connection.version())
    except ssl.SSLError as error:
        return str(error.reason)


def test_tls_1_2_and_1_3_only(aws_twin: Twin) -> None:
    ca = str(aws_twin.ca_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ssl.TLSVersion.TLSv1 and TLSv1_1
        old = {version.name: handshake(aws_twin, version, cafile=ca) for version in (ssl.TLSVersion.TLSv1,
                                                                                    ssl.TLSVersion.TLSv1_1)}  # fmt: skip
    # the server's alert: the client offered these versions, the proxy refused them
    assert old == {"TLSv1": "TLSV1_ALERT_PROTOCOL_VERSION", "TLSv1_1": "TLSV1_ALERT_PROTOCOL_VERSION"}
    assert handshake(aws_twin, ssl.TLSVersion.TLSv1_2, cafile=ca) == "TLSv1.2"
    assert handshake(aws_twin, ssl.TLSVersion.TLSv1_3, cafile=ca) == "TLSv1.3"
    # and the certificate is the twin CA's: a client trusting only the public CAs refuses it
    assert handshake(aws_twin, ssl.TLSVersion.TLSv1_3, cafile=None) == "CERTIFICATE_VERIFY_FAILED"


def test_health_and_version_through_the_proxy(aws_twin: Twin) -> None:
    browser = session(aws_twin)
    health = browser.get(f"{aws_twin.superset_url()}/health", timeout=10)
    assert (health.status_code, health.text) == (200, "OK")
    assert browser.get(f"{aws_twin.superset_url()}/version", timeout=10).status_code == 404


# --- production semantics through the proxy ----------------------------------------------------


def test_login_through_the_proxy_stays_on_https_with_secure_cookies(aws_twin: Twin) -> None:
    browser = session(aws_twin)
    page = browser.get(f"{aws_twin.superset_url()}/login/", timeout=30)
    cookie = page.headers["Set-Cookie"]
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}, cookie
    assert form_login(aws_twin, browser) == 200
    home = browser.get(f"{aws_twin.superset_url()}/", timeout=60)
    hops = [*home.history, home]
    assert [hop.url.split("/", 3)[2] for hop in hops] == [f"localhost:{aws_twin.options.ports.https}"] * len(
        hops
    )
    assert all(hop.url.startswith("https://") for hop in hops)
    assert home.url == f"{aws_twin.superset_url()}/superset/welcome/"
    assert all(location.startswith("/") or location.startswith(aws_twin.superset_url())
               for location in (hop.headers.get("Location", "/") for hop in hops))  # fmt: skip


def test_csrf_token_and_same_origin_referer_are_both_required(aws_twin: Twin) -> None:
    # On https Flask-WTF also demands a Referer from the same origin: the default twin never checks it.
    assert form_login(aws_twin, session(aws_twin), token=False) == 401
    assert form_login(aws_twin, session(aws_twin), referer=False) == 401
    assert form_login(aws_twin, session(aws_twin)) == 200


def test_security_headers_hsts_and_csp(aws_twin: Twin) -> None:
    response = session(aws_twin).get(f"{aws_twin.superset_url()}/login/", timeout=10)
    assert response.headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
    policy = response.headers["Content-Security-Policy"]
    assert {"object-src 'none'", "frame-ancestors 'self'", "default-src 'self'"} <= {
        part.strip() for part in policy.split(";")
    }
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "header",
    [{"X-Forwarded-Prefix": "/evil"}, {"X-Forwarded-Host": "evil.example"}, {"X-Forwarded-Proto": "http"}],
)
def test_client_sent_forwarded_headers_change_no_redirect(aws_twin: Twin, header: dict[str, str]) -> None:
    # The ALB passes X-Forwarded-Host and -Prefix from clients; the runtime trusts only For, Proto
    # and Port (which the proxy sets). Trusting the prefix made these Locations /evil/... .
    browser = session(aws_twin)
    assert form_login(aws_twin, browser) == 200
    base = aws_twin.superset_url()
    for path, location in (("/", "/superset/welcome/"), ("/login/", "/")):
        response = browser.get(f"{base}{path}", headers=header, allow_redirects=False, timeout=30)
        assert (response.status_code, response.headers["Location"]) == (302, location), path
    anonymous = session(aws_twin).get(
        f"{base}/superset/welcome/", headers=header, allow_redirects=False, timeout=30
    )
    assert anonymous.headers["Location"] == "/login/?next=%2Fsuperset%2Fwelcome%2F"


def test_a_client_sent_forwarded_host_changes_no_generated_link(
    aws_twin: Twin, aws_api: Api, aws_chart: Chart
) -> None:
    # Trusting X-Forwarded-Host made this 400 (the Referer no longer matched) or, with a matching
    # Referer, a link to the client's host.
    response = aws_api.session.post(
        f"{aws_twin.superset_url()}/api/v1/sqllab/permalink",
        json={"dbId": aws_chart.database_id, "sql": "SELECT 1", "autorun": False, "name": "probe"},
        headers={"X-Forwarded-Host": "evil.example"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["url"].startswith(f"{aws_twin.superset_url()}/sqllab/p/")


# --- the data stores: TLS only, verified ---------------------------------------------------------


def test_postgres_refuses_a_plain_connection_and_superset_uses_tls(aws_twin: Twin) -> None:
    server = aws_twin.postgres()
    plain = subprocess.run(
        [str(server.bin_dir / "psql"), f"host=127.0.0.1 port={server.port} user={server.user} dbname=superset "
         "sslmode=disable", "-tAc", "SELECT 1"],
        env={"PGPASSWORD": server.password}, capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert plain.returncode == 2
    assert (
        'pg_hba.conf rejects connection for host "127.0.0.1", user "superset", database "superset", '
        "no encryption" in plain.stderr
    )
    connections = server.psql(
        "superset",
        "SELECT count(*), bool_and(ssl), min(version), string_agg(DISTINCT usename, ',') FROM pg_stat_ssl "
        "JOIN pg_stat_activity USING (pid) WHERE application_name = 'superset-prod'",
    )
    count, all_tls, version, users = connections.split("|")
    # as the app role, never the master user (the twin's superuser): as on AWS, where it is by IAM
    assert int(count) > 0 and (all_tls, version, users) == ("t", "TLSv1.3", "superset_app"), connections
    assert server.psql("postgres", "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
                                   "WHERE rolname = 'superset_app'") == "f"  # fmt: skip


def test_redis_refuses_plain_text_and_clients_without_the_token(aws_twin: Twin) -> None:
    port = aws_twin.options.ports.redis
    with socket.create_connection(("127.0.0.1", port), timeout=5) as plain:
        plain.sendall(b"PING\r\n")
        try:
            answer = plain.recv(64)
        except ConnectionResetError:
            answer = b""
    assert b"PONG" not in answer  # a plain-text client gets no answer: the port speaks TLS only
    anonymous = redis.Redis(host="localhost", port=port, ssl=True, ssl_ca_certs=str(aws_twin.ca_file),
                            ssl_check_hostname=True, socket_timeout=5, protocol=2)  # fmt: skip
    with pytest.raises(redis.AuthenticationError, match="Authentication required"):
        anonymous.ping()
    assert redis.from_url(aws_twin.status()["redis_url"]).ping()


def test_a_redis_certificate_for_another_name_is_refused(aws_twin: Twin, tmp_path: Path) -> None:
    # A server the twin's CA vouches for, but under another name: the runtime's URL must refuse it.
    authority = CertificateAuthority.load_or_create(aws_twin.tls)
    impostor = Redis(data_dir=tmp_path / "data", port=free_port(), log_file=tmp_path / "redis.log",
                     binary=aws_twin.redis().binary, password="impostor",
                     certificate=authority.issue_files(tmp_path, "impostor", dns_names=("wrong.invalid",),
                                                       ip_addresses=("127.0.0.1",)),
                     ca_file=aws_twin.ca_file)  # fmt: skip
    pid = impostor.start()
    try:
        url = aws_twin.status()["redis_url"].replace(
            f":{aws_twin.options.ports.redis}/", f":{impostor.port}/"
        )
        with pytest.raises(
            redis.ConnectionError, match="Hostname mismatch, certificate is not valid for 'localhost'"
        ):
            redis.from_url(url).ping()
    finally:
        stop(pid)


# --- Superset's work over the TLS stores ---------------------------------------------------------


def test_chart_data_is_cached_in_redis_over_tls(aws_twin: Twin, aws_api: Api, aws_chart: Chart) -> None:
    query_context = copy.deepcopy(aws_chart.query_context)
    query_context["queries"][0]["row_limit"] = 98  # a query no other test asks
    first = aws_api.post("/api/v1/chart/data", query_context)
    second = aws_api.post("/api/v1/chart/data", query_context)
    assert first.status_code == second.status_code == 200, first.text
    fresh, cached = first.json()["result"][0], second.json()["result"][0]
    assert (not fresh["is_cached"], cached["is_cached"]) == (True, True)
    data_cache = redis.from_url(
        aws_twin.status()["redis_url"].replace("/0?", f"/{REDIS_DATABASES['data_cache']}?")
    )
    assert data_cache.exists(f"superset_prod_data_cache_{cached['cache_key']}") == 1


def test_celery_runs_an_async_query_over_tls(aws_api: Api, aws_chart: Chart) -> None:
    # the broker, the result backend and the SQL Lab results cache, all on TLS Redis with the token
    assert async_query_rows(aws_api, aws_chart, "awsAsync1", "SELECT COUNT(*) AS n FROM sales") == [{"n": 3}]


def test_down_then_up_again_reissues_the_certificates_and_keeps_the_ca(aws_twin: Twin) -> None:
    ca = aws_twin.ca_file.read_bytes()
    proxy_certificate = (aws_twin.tls / "proxy.pem").read_bytes()
    assert set(aws_twin.down()) == {"proxy", "postgres", "redis", "smtp", "web", "worker", "beat"}
    aws_twin.up()
    assert aws_twin.ca_file.read_bytes() == ca  # a browser that trusts it keeps trusting it
    assert (aws_twin.tls / "proxy.pem").read_bytes() != proxy_certificate
    api = login(
        aws_twin.superset_url(), "admin", aws_twin.secrets()["admin_password"], ca_file=str(aws_twin.ca_file)
    )
    assert api.get("/api/v1/me/").status_code == 200
