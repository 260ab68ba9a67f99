"""The twin's own logic, without starting servers: contract, secrets, and its refusals."""

from __future__ import annotations

import json
import os
import pwd
import socket
import stat
import sys
from pathlib import Path

import pytest
import redis

from superset_stack.contract import names, parse
from superset_stack.local.processes import TwinError, free_port
from superset_stack.local.twin import BROWSER_HINT, Ports, Twin, TwinOptions, browser_problem


@pytest.fixture
def runtime(tmp_path: Path) -> Path:
    """A stand-in runtime virtualenv: only its python has to exist for these checks."""
    folder = tmp_path / "runtime"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    return folder


def twin(tmp_path: Path, runtime: Path, *, like_aws: bool = False, **ports: int) -> Twin:
    chosen = Ports(**{"web": free_port(), "postgres": free_port(), "redis": free_port(), "https": free_port(),
                      "http": free_port(), "smtp": free_port(), **ports})  # fmt: skip
    return Twin(TwinOptions(state_dir=tmp_path / "state", runtime=runtime, ports=chosen, like_aws=like_aws))


def test_twin_environment_satisfies_the_contract(tmp_path: Path, runtime: Path) -> None:
    environment = twin(tmp_path, runtime).environment()
    assert set(environment) <= set(names()), set(environment) - set(names())
    parsed = parse(environment)
    assert parsed.local
    assert (parsed.database_sslmode, parsed.redis_tls, parsed.redis_auth_token) == ("disable", False, "")


def test_like_aws_environment_is_production_with_tls_everywhere(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime, like_aws=True, https=8443)
    parsed = parse(subject.environment())  # the contract's production checks all pass
    ca = str(subject.root / "tls" / "ca.pem")
    assert (parsed.environment, parsed.public_url) == ("prod", "https://localhost:8443")
    assert (parsed.database_host, parsed.database_sslmode, parsed.database_sslrootcert) == (
        "localhost",
        "verify-full",
        ca,
    )
    assert (parsed.redis_host, parsed.redis_tls, parsed.redis_ca_file) == ("localhost", True, ca)
    assert (parsed.gunicorn_timeout, parsed.gunicorn_keepalive) == (60, 75)  # the stack's defaults
    assert parsed.redis_auth_token == subject.secrets()["redis_auth_token"]


def test_the_redis_token_needs_escaping_and_survives_it(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime, like_aws=True)
    token = subject.secrets()["redis_auth_token"]
    assert set("/+@:%?#&") <= set(token)
    url = parse(subject.environment()).redis_url(0)
    assert redis.connection.parse_url(url)["password"] == token  # what redis-py, so Flask-Caching, reads


def test_only_the_bootstrap_gets_the_admin_password(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime)
    assert subject.environment("bootstrap")["SUPERSET_ADMIN_PASSWORD"] == subject.secrets()["admin_password"]
    assert {role: "SUPERSET_ADMIN_PASSWORD" in subject.environment(role) for role in ("web", "worker", "beat")} == {
        "web": False, "worker": False, "beat": False,
    }  # fmt: skip


@pytest.mark.parametrize("like_aws", [False, True])
def test_web_worker_and_beat_log_in_as_the_app_role_and_only_the_bootstrap_as_the_superuser(
    tmp_path: Path, runtime: Path, like_aws: bool
) -> None:
    subject = twin(tmp_path, runtime, like_aws=like_aws)
    values = subject.secrets()
    assert values["app_database_password"] != values["database_password"]
    for role in ("web", "worker", "beat"):
        parsed = parse(subject.environment(role))
        assert (parsed.database_user, parsed.database_auth, parsed.database_password) == (
            "superset_app", "password", values["app_database_password"]
        ), role  # fmt: skip
        assert (parsed.database_app_user, parsed.database_app_password) == ("", ""), role
    bootstrap = parse({**subject.environment("bootstrap"), "SUPERSET_PROCESS": "bootstrap"})
    assert (bootstrap.database_user, bootstrap.database_password) == ("superset", values["database_password"])
    assert (bootstrap.database_app_user, bootstrap.database_app_password) == (
        "superset_app", values["app_database_password"]
    )  # fmt: skip
    # what the twin's PostgreSQL (100 connections, 3 for superusers) leaves the application
    assert bootstrap.database_app_connection_limit == 100 - 3 - 2 - 3
    assert bootstrap.database_session_role == "superset_app"  # migrations create what the app role owns
    assert "options=-c%20role%3Dsuperset_app" in bootstrap.database_uri


def test_secrets_are_generated_once_and_private(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime)
    first = subject.secrets()
    assert subject.secrets() == first
    assert stat.S_IMODE(subject.secrets_file.stat().st_mode) == 0o600
    assert len(first["secret_key"]) >= 32


def test_an_existing_readable_secrets_file_is_made_private(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime)
    first = subject.secrets()
    subject.secrets_file.chmod(0o644)
    assert subject.secrets() == first  # nothing new to write: the mode is fixed all the same
    assert stat.S_IMODE(subject.secrets_file.stat().st_mode) == 0o600


def modes(subject: Twin) -> dict[str, int]:
    folders = {"state": subject.root, "logs": subject.logs, "home": subject.root / "superset_home"}
    return {name: stat.S_IMODE(folder.stat().st_mode) for name, folder in folders.items()}


def test_the_state_folder_is_private(tmp_path: Path, runtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("superset_stack.local.twin.service_user", lambda: None)  # as a user, not root
    subject = twin(tmp_path, runtime)
    subject.root.mkdir(mode=0o755)  # an older twin's
    subject.prepare_state_folder()
    assert modes(subject) == {"state": 0o700, "logs": 0o700, "home": 0o700}


def test_as_root_the_service_users_group_may_only_pass_through(
    tmp_path: Path, runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = pwd.getpwuid(os.getuid())  # stands in for superset-twin: creating users is no unit test's business
    monkeypatch.setattr("superset_stack.local.twin.service_user", lambda: me.pw_name)
    subject = twin(tmp_path, runtime)
    subject.prepare_state_folder()
    assert modes(subject) == {"state": 0o710, "logs": 0o700, "home": 0o700}
    assert subject.root.stat().st_gid == me.pw_gid


def test_admin_password_comes_from_the_environment_when_set(
    tmp_path: Path, runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERSET_ADMIN_PASSWORD", "chosen-by-the-user")
    subject = twin(tmp_path, runtime)
    assert subject.environment("bootstrap")["SUPERSET_ADMIN_PASSWORD"] == "chosen-by-the-user"
    assert json.loads(subject.secrets_file.read_text())["admin_password"] == "chosen-by-the-user"


def test_a_busy_port_is_named(tmp_path: Path, runtime: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        subject = twin(tmp_path, runtime, redis=port)
        with pytest.raises(
            TwinError, match=f"port {port} \\(redis\\) is already in use; choose another with --redis-port"
        ):
            subject.up()


def test_a_missing_runtime_says_how_to_install_it(tmp_path: Path) -> None:
    subject = twin(tmp_path, tmp_path / "nowhere")
    with pytest.raises(
        TwinError, match=r"the Superset runtime is not installed at .*nowhere; run `make runtime`"
    ):
        subject.up()


def test_down_with_nothing_running_keeps_the_state(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime)
    subject.secrets()
    assert subject.down() == []
    assert subject.secrets_file.exists()
    assert subject.status()["processes"]["web"] == {"pid": None, "running": False, "healthy": False}


@pytest.mark.parametrize("method", ["stop_store", "start_store"])
def test_only_the_stores_can_be_stopped_and_started_alone(tmp_path: Path, runtime: Path, method: str) -> None:
    twin = Twin(TwinOptions(state_dir=tmp_path / "twin", runtime=runtime))
    with pytest.raises(ValueError, match="unknown store 'web'; allowed: postgres, redis"):
        getattr(twin, method)("web")


def test_the_runtime_sends_mail_to_the_twins_relay_and_the_browser_opens_gunicorn(
    tmp_path: Path, runtime: Path
) -> None:
    default = twin(tmp_path / "default", runtime, smtp=2525, web=8099)
    parsed = parse(default.environment("worker"))
    assert (parsed.smtp_host, parsed.smtp_port, parsed.smtp_security, parsed.smtp_user) == (
        "127.0.0.1",
        2525,
        "none",
        "",
    )
    assert parsed.internal_url == "http://127.0.0.1:8099"
    assert default.mail().certificate is None and default.mail().mail_dir == default.root / "mail"


def test_like_aws_mail_goes_over_starttls_with_a_login_only_the_worker_knows(
    tmp_path: Path, runtime: Path
) -> None:
    subject = twin(tmp_path, runtime, like_aws=True, smtp=2525)
    worker = parse(subject.environment("worker"))
    assert (worker.smtp_host, worker.smtp_security, worker.smtp_user) == ("localhost", "starttls", "superset")
    assert worker.smtp_password == subject.secrets()["smtp_password"] == subject.mail().password
    assert all(parse(subject.environment(role)).smtp_password == "" for role in ("web", "beat", "bootstrap"))
    # smtplib verifies the relay against the system's store, with the twin's CA added (like-aws only)
    assert subject.process_environment("worker")["SSL_CERT_FILE"] == str(subject.root / "tls" / "trust.pem")
    assert "SSL_CERT_FILE" not in twin(tmp_path / "default", runtime).process_environment("worker")


def test_status_names_the_mail_folder_and_the_relay(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime, smtp=2525)
    assert {key: subject.status()[key] for key in ("mail_dir", "smtp_host", "smtp_port")} == dict.fromkeys(
        ("mail_dir", "smtp_host", "smtp_port")
    )  # nothing started yet
    subject.prepare_state_folder()
    subject.state_file.write_text(json.dumps({"ports": {**vars(subject.options.ports)}, "processes": {}}))
    status = subject.status()
    assert (status["mail_dir"], status["smtp_host"], status["smtp_port"]) == (
        str(subject.root / "mail"),
        "127.0.0.1",
        2525,
    )
    assert status["processes"]["smtp"] == {"pid": None, "running": False, "healthy": False}


def test_a_missing_browser_is_named_with_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("superset_stack.local.twin.CHROMIUM", "/nonexistent/chromium")
    problem = browser_problem()
    assert problem is not None and "/nonexistent/chromium" in problem and BROWSER_HINT in problem


# --- warehouse connections from a stack file, secrets from the stand-in for Secrets Manager ----------

WAREHOUSE_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:warehouse-AbCdEf"
STACK_FILE = f"""config:
  aws:region: us-east-1
  superset-stack:owner: data-platform
  superset-stack:costCenter: analytics
  superset-stack:domainName: superset.example.com
  superset-stack:hostedZoneId: Z0123456789EXAMPLE
  superset-stack:warehouseConnections:
    - name: Warehouse
      engine: postgresql
      host: 127.0.0.1
      port: 5439
      database: warehouse
      username: analyst
      passwordSecretArn: {WAREHOUSE_SECRET}
      passwordSecretKey: password
      cidr: 127.0.0.1/32
"""


def declared_twin(tmp_path: Path, runtime: Path) -> Twin:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(STACK_FILE)
    return Twin(TwinOptions(state_dir=tmp_path / "state", runtime=runtime, config_file=stack_file))


def test_only_the_bootstrap_gets_the_declared_connections_and_their_credentials(
    tmp_path: Path, runtime: Path
) -> None:
    subject = declared_twin(tmp_path, runtime)
    subject.put_secret(WAREHOUSE_SECRET, json.dumps({"username": "analyst", "password": "p@ss:w/rd?#%+ x"}))
    assert stat.S_IMODE(subject.secrets_manager_file.stat().st_mode) == 0o600
    environment = subject.environment("bootstrap")
    assert environment["WAREHOUSE_CREDENTIAL_0"] == "p@ss:w/rd?#%+ x"  # the JSON key, as ECS injects it
    declared = json.loads(environment["WAREHOUSE_CONNECTIONS"])["connections"]
    assert [(c["name"], c["port"], c["credential"]) for c in declared] == [
        ("Warehouse", 5439, "WAREHOUSE_CREDENTIAL_0")
    ]
    assert set(environment) <= set(names())
    assert parse(environment).warehouse_credentials == {"WAREHOUSE_CREDENTIAL_0": "p@ss:w/rd?#%+ x"}
    assert not any(name.startswith("WAREHOUSE_") for name in subject.environment("web"))


def test_a_secret_missing_from_the_stand_in_stops_up_before_anything_starts(
    tmp_path: Path, runtime: Path
) -> None:
    subject = declared_twin(tmp_path, runtime)
    with pytest.raises(TwinError, match=r"lacks arn:aws:secretsmanager:.*:secret:warehouse-AbCdEf:password::; store "
                                        r"each with `superset-stack local put-secret ARN`"):  # fmt: skip
        subject.up()
    assert not subject.state_file.exists()
    subject.put_secret(WAREHOUSE_SECRET, "not JSON, but the connection reads the key password")
    with pytest.raises(TwinError, match="lacks"):
        subject.environment("bootstrap")


def test_an_invalid_stack_file_is_refused_with_its_problems(tmp_path: Path, runtime: Path) -> None:
    subject = declared_twin(tmp_path, runtime)
    subject.options.config_file.write_text(STACK_FILE.replace("engine: postgresql", "engine: oracle"))  # type: ignore[union-attr]
    with pytest.raises(TwinError, match=r"warehouseConnections\[0\].engine: unknown engine 'oracle'"):
        subject.environment("bootstrap")


@pytest.mark.parametrize(
    ("stored", "value_from", "value"),
    [
        ({WAREHOUSE_SECRET: "plain"}, WAREHOUSE_SECRET, "plain"),
        ({WAREHOUSE_SECRET: '{"password": "pw"}'}, f"{WAREHOUSE_SECRET}:password::", "pw"),
        ({WAREHOUSE_SECRET: '{"password": "pw"}'}, f"{WAREHOUSE_SECRET}:other::", None),
        ({WAREHOUSE_SECRET: '["pw"]'}, f"{WAREHOUSE_SECRET}:password::", None),
        ({}, WAREHOUSE_SECRET, None),
    ],
)
def test_the_stand_in_answers_a_valuefrom_as_ecs_would(
    stored: dict[str, str], value_from: str, value: str | None
) -> None:
    from superset_stack.local.twin import secret_value

    assert secret_value(stored, value_from) == value


def test_sign_in_variables_reach_every_process_and_the_secret_only_web(tmp_path: Path, runtime: Path) -> None:
    ca = tmp_path / "idp-ca.pem"
    sign_in = {"AUTH_TYPE": "oidc", "AUTH_ROLES_MAPPING": '{"admins": ["Admin"]}', "OIDC_ISSUER": "https://localhost:9443",
               "OIDC_CLIENT_ID": "superset", "OIDC_CLIENT_SECRET": "s3cret"}  # fmt: skip
    options = TwinOptions(
        state_dir=tmp_path / "state", runtime=runtime, sign_in=sign_in, identity_provider_ca=ca
    )
    subject = Twin(options)
    assert subject.environment("web")["OIDC_CLIENT_SECRET"] == "s3cret"
    assert (
        parse({**subject.environment("web"), "SUPERSET_PROCESS": "web"}).auth.oidc_client_secret == "s3cret"
    )
    for role in ("worker", "beat", "bootstrap"):
        assert subject.environment(role)["AUTH_TYPE"] == "oidc"
        assert "OIDC_CLIENT_SECRET" not in subject.environment(role)
    # the provider's CA for authlib's HTTP client, in the twin only (ECS trusts public CAs)
    assert subject.process_environment("web")["REQUESTS_CA_BUNDLE"] == str(ca)
    assert "REQUESTS_CA_BUNDLE" not in twin(tmp_path / "plain", runtime).process_environment("web")


def test_sign_in_takes_only_the_contract_s_sign_in_variables(tmp_path: Path, runtime: Path) -> None:
    options = TwinOptions(state_dir=tmp_path / "state", runtime=runtime,
                          sign_in={"AUTH_TYPE": "ldap", "DATABASE_HOST": "elsewhere", "LDAP_PASSWORD": "x"})  # fmt: skip
    with pytest.raises(
        TwinError, match="not sign-in variables of the contract: DATABASE_HOST, LDAP_PASSWORD"
    ):
        Twin(options).environment("web")
