"""The local twin: the same Superset runtime as on ECS, on one machine.

`up` starts PostgreSQL and Redis, runs the bootstrap (migrate, init, admin), then the web tier
(gunicorn), a Celery worker and Celery beat, each through the same entrypoint and the same
environment contract as the ECS tasks. Everything the twin owns lives in one state folder; `down`
stops it all and keeps the data unless asked not to.

Two modes, chosen at `up` and remembered in the state folder:
- default: pip-installed PostgreSQL and Redis on plain loopback, SUPERSET_ENV=local; light and fast.
- like-aws: the production values of the ECS tasks (SUPERSET_ENV=prod: forced HTTPS, Secure
  cookies, HSTS, the proxy fix) behind nginx standing in for the load balancer (proxy.py),
  PostgreSQL with TLS required and verify-full, Redis with TLS only and an AUTH token, every
  certificate from the twin's own CA (tls.py). The system's PostgreSQL, redis-server and nginx.

Both run a mail relay on loopback (mail.py) that keeps every alert and report e-mail as an .eml
file (STARTTLS with the twin's CA and a login in like-aws), and the worker's browser is Debian's
Chromium (reports.py in the runtime): it reaches gunicorn directly on loopback, as the ECS worker
reaches the web service by its Cloud Map name.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from superset_stack import sizing
from superset_stack.contract import APP_DATABASE_USER, AUTH_VARIABLES, BY_NAME, parse
from superset_stack.local import postgres, proxy, redis
from superset_stack.local.files import make_private, private_folder, service_user, write_private
from superset_stack.local.mail import MailServer
from superset_stack.local.processes import TwinError, is_running, port_is_free, start, stop, wait_until
from superset_stack.local.tls import CertificateAuthority, IssuedFiles
from superset_stack.runtime.reports import CHROMEDRIVER, CHROMIUM

SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the superset_stack package
RUNTIME_DIR = SOURCE_ROOT / "superset_stack" / "runtime"
DATABASE_USER = "superset"  # the cluster's superuser: the twin's master user, the bootstrap's alone
DATABASE_NAME = "superset"
SUPERSET_ROLES = ("web", "worker", "beat")
ALL_PROCESSES = ("postgres", "redis", "smtp", *SUPERSET_ROLES)
# like-aws: the name every client uses for every server, as in each certificate (plus the address)
SERVER_NAME = "localhost"
SERVER_ADDRESSES = ("127.0.0.1",)
# In the Redis AUTH token on purpose: each needs URL escaping, which every Redis client must undo.
URL_RESERVED = "/+@:%?#&"
SMTP_USER = "superset"  # like-aws: the relay's login
BROWSER_HINT = "`apt-get install chromium chromium-driver` (Debian, Ubuntu)"


@dataclass
class Ports:
    web: int = 8088
    postgres: int = 54329
    redis: int = 63799
    https: int = 8443  # like-aws only: the load balancer's HTTPS listener
    http: int = 8080  # like-aws only: its HTTP listener (301 to HTTPS)
    smtp: int = 8025  # the mail relay

    def used(self, *, like_aws: bool) -> dict[str, int]:
        ports = asdict(self)
        return ports if like_aws else {name: ports[name] for name in ("web", "postgres", "redis", "smtp")}

    def problems(self, *, like_aws: bool) -> list[str]:
        """Each port out of 1-65535, and each port given to two listeners, named by its option."""
        used = self.used(like_aws=like_aws)
        found = [
            f"--{name}-port must be 1-65535, got {port}"
            for name, port in used.items()
            if not 0 < port < 65536
        ]
        owners: dict[int, str] = {}
        for name, port in used.items():
            if port in owners:
                found.append(f"--{owners[port]}-port and --{name}-port are both {port}; each needs its own")
            owners.setdefault(port, name)
        return found


@dataclass
class TwinOptions:
    state_dir: Path
    runtime: Path  # the Superset runtime virtualenv built from runtime/requirements.lock
    ports: Ports = field(default_factory=Ports)
    postgres_bin: Path | None = None
    redis_server: Path | None = None
    gunicorn_workers: int = 2
    gunicorn_threads: int = 4
    celery_concurrency: int = 2
    like_aws: bool = False
    nginx: Path | None = None
    config_file: Path | None = None  # a stack file whose warehouseConnections the bootstrap applies
    # Single sign-on: the contract's AUTH_/OIDC_/LDAP_ variables, secrets included (only web gets
    # those, as on ECS), and the CA of an identity provider whose certificate no system CA signs.
    sign_in: Mapping[str, str] = field(default_factory=dict)
    identity_provider_ca: Path | None = None


def timeout_chain() -> dict[str, int]:
    """The stack's default timeout chain: gunicorn timeout < load balancer idle < gunicorn keep-alive."""
    from superset_stack.settings import OPTIONS_BY_KEY

    keys = {
        "gunicorn": "gunicornTimeoutSeconds",
        "idle": "albIdleTimeoutSeconds",
        "keepalive": "gunicornKeepaliveSeconds",
    }
    return {name: int(OPTIONS_BY_KEY[key].default) for name, key in keys.items()}


def _redis_token() -> str:
    characters = list(secrets.token_urlsafe(32) + URL_RESERVED)
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


class Twin:
    def __init__(self, options: TwinOptions) -> None:
        # Absolute paths: PostgreSQL runs with its data folder as working directory.
        options = replace(options, state_dir=options.state_dir.resolve(), runtime=options.runtime.absolute())
        self.options = options
        self.root = options.state_dir
        self.logs = self.root / "logs"
        self.tls = self.root / "tls"
        self.state_file = self.root / "state.json"
        self.secrets_file = self.root / "secrets.json"
        self.secrets_manager_file = self.root / "secretsmanager.json"  # the stand-in for Secrets Manager

    # --- persisted state -----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {}
        loaded: dict[str, Any] = json.loads(self.state_file.read_text())
        return loaded

    def _save_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2))

    def _record(self, name: str, pid: int) -> int:
        state = self.state()
        state.setdefault("processes", {})[name] = pid
        self._save_state(state)
        return pid

    def secrets(self) -> dict[str, str]:
        """Generated once per state folder, kept with mode 0600 (an existing file is brought to it)."""
        stored: dict[str, str] = (
            json.loads(self.secrets_file.read_text()) if self.secrets_file.exists() else {}
        )
        make_private(self.secrets_file)
        wanted: dict[str, Callable[[], str]] = {
            "database_password": lambda: secrets.token_urlsafe(24),
            "app_database_password": lambda: secrets.token_urlsafe(24),
            "secret_key": lambda: secrets.token_urlsafe(48),
            "admin_password": lambda: secrets.token_urlsafe(12),
            "redis_auth_token": _redis_token,
            "smtp_password": lambda: secrets.token_urlsafe(24),
        }
        changed = False
        for key, make in wanted.items():
            if key not in stored:
                stored[key] = make()
                changed = True
        env_password = os.environ.get("SUPERSET_ADMIN_PASSWORD")
        if env_password and stored["admin_password"] != env_password:
            stored["admin_password"] = env_password
            changed = True
        if changed:
            if not self.root.exists():
                private_folder(self.root)
            write_private(self.secrets_file, json.dumps(stored, indent=2))
        return stored

    # --- the pieces ----------------------------------------------------------------------------

    @property
    def like_aws(self) -> bool:
        return bool(self.state().get("like_aws", self.options.like_aws))

    def _ports(self) -> Ports:
        saved = self.state().get("ports")
        return Ports(**saved) if saved else self.options.ports

    def process_names(self) -> tuple[str, ...]:
        return (*ALL_PROCESSES, "proxy") if self.like_aws else ALL_PROCESSES

    def _resolve_binaries(self) -> dict[str, str]:
        """The servers this mode runs; says what to install when one is missing."""
        options = self.options
        if options.like_aws:
            return {
                "postgres": str(postgres.tls_binaries(options.postgres_bin)),
                "redis": str(redis.tls_server_binary(options.redis_server)),
                "nginx": str(proxy.nginx_binary(options.nginx)),
            }
        return {
            "postgres": str(postgres.binaries(options.postgres_bin)),
            "redis": str(redis.server_binary(options.redis_server)),
        }

    def _binary(self, name: str) -> Path:
        saved: dict[str, str] = self.state().get("binaries") or self._resolve_binaries()
        return Path(saved[name])

    @property
    def ca_file(self) -> Path:
        return self.tls / "ca.pem"

    def _server_host(self) -> str:
        return SERVER_NAME if self.like_aws else "127.0.0.1"

    def postgres(self) -> postgres.Postgres:
        return postgres.Postgres(
            data_dir=self.root / "postgres",
            port=self._ports().postgres,
            user=DATABASE_USER,
            password=self.secrets()["database_password"],
            log_file=self.logs / "postgres.log",
            bin_dir=self._binary("postgres"),
            ca_file=self.ca_file if self.like_aws else None,
            host=self._server_host(),
        )

    def redis(self) -> redis.Redis:
        like_aws = self.like_aws
        return redis.Redis(
            data_dir=self.root / "redis",
            port=self._ports().redis,
            log_file=self.logs / "redis.log",
            binary=self._binary("redis"),
            password=self.secrets()["redis_auth_token"] if like_aws else "",
            certificate=IssuedFiles(self.tls / "redis.pem", self.tls / "redis.key") if like_aws else None,
            ca_file=self.ca_file if like_aws else None,
            host=self._server_host(),
        )

    def proxy(self) -> proxy.Proxy:
        ports = self._ports()
        return proxy.Proxy(
            binary=self._binary("nginx"),
            config=proxy.ProxyConfig(
                https_port=ports.https,
                http_port=ports.http,
                upstream_port=ports.web,
                certificate=self.tls / "proxy.pem",
                key=self.tls / "proxy.key",
                folder=self.root / "proxy",
                idle_timeout_seconds=timeout_chain()["idle"],
                worker_user=service_user(),
            ),
            ca_file=self.ca_file,
            log_file=self.logs / "proxy.log",
        )

    def mail(self) -> MailServer:
        like_aws = self.like_aws
        return MailServer(
            port=self._ports().smtp,
            mail_dir=self.mail_dir,
            log_file=self.logs / "smtp.log",
            certificate=IssuedFiles(self.tls / "smtp.pem", self.tls / "smtp.key") if like_aws else None,
            user=SMTP_USER if like_aws else "",
            password=self.secrets()["smtp_password"] if like_aws else "",
        )

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    def gunicorn_url(self) -> str:
        """gunicorn itself: the health check and the bootstrap's path, as on ECS."""
        return f"http://127.0.0.1:{self._ports().web}"

    def superset_url(self) -> str:
        """What users open: the load balancer's HTTPS listener (like-aws) or gunicorn."""
        return self.proxy().url if self.like_aws else self.gunicorn_url()

    def http_url(self) -> str:
        """Plain http: the load balancer's redirecting listener (like-aws) or gunicorn."""
        return self.proxy().http_url if self.like_aws else self.gunicorn_url()

    def environment(self, role: str = "web") -> dict[str, str]:
        """The container environment contract, with the twin's values; only the bootstrap gets the
        superuser's password and the admin password (on ECS, only the migration task gets the
        master secret and the admin password)."""
        values = self.secrets()
        ports = self._ports()
        environment = {
            "SUPERSET_ENV": "local",
            "SUPERSET_PUBLIC_URL": self.superset_url(),
            "DATABASE_HOST": "127.0.0.1",
            "DATABASE_PORT": str(ports.postgres),
            "DATABASE_DB": DATABASE_NAME,
            **self._database_login(role, values),
            "DATABASE_SSLMODE": "disable",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(ports.redis),
            "REDIS_TLS": "false",
            "REDIS_AUTH_TOKEN": "",
            "SUPERSET_SECRET_KEY": values["secret_key"],
            "SERVER_WORKER_AMOUNT": str(self.options.gunicorn_workers),
            "SERVER_THREADS_AMOUNT": str(self.options.gunicorn_threads),
            "SUPERSET_BIND_ADDRESS": "127.0.0.1",
            "SUPERSET_PORT": str(ports.web),
            "CELERY_CONCURRENCY": str(self.options.celery_concurrency),
            "SUPERSET_HOME": str(self.root / "superset_home"),
            # the worker's browser opens gunicorn directly, as on ECS the web service's internal name
            "SUPERSET_INTERNAL_URL": self.gunicorn_url(),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(ports.smtp),
            "SMTP_SECURITY": "none",
            "SMTP_MAIL_FROM": "superset@localhost",
            "SUPERSET_THUMBNAILS": "false",
        }
        if self.like_aws:
            environment.update(self._production_values(values))
        environment.update(self._sign_in(role))
        if role == "bootstrap":
            environment["SUPERSET_ADMIN_PASSWORD"] = values["admin_password"]
            environment.update(self.warehouse_environment())
        if role == "worker" and self.like_aws:  # on ECS too, only the worker sends mail
            environment["SMTP_PASSWORD"] = values["smtp_password"]
        return environment

    def _database_login(self, role: str, values: dict[str, str]) -> dict[str, str]:
        """Web, worker and beat log in as the app role, by password (IAM exists only on RDS); the
        bootstrap as the superuser, and it creates the app role with that password and the
        connections the server leaves the application (sizing.application_connection_limit)."""
        if role != "bootstrap":
            return {
                "DATABASE_USER": APP_DATABASE_USER,
                "DATABASE_AUTH": "password",
                "DATABASE_PASSWORD": values["app_database_password"],
            }
        usable = postgres.Postgres.max_connections - postgres.SUPERUSER_RESERVED_CONNECTIONS
        return {
            "DATABASE_USER": DATABASE_USER,
            "DATABASE_AUTH": "password",
            "DATABASE_PASSWORD": values["database_password"],
            "DATABASE_APP_USER": APP_DATABASE_USER,
            "DATABASE_APP_PASSWORD": values["app_database_password"],
            "DATABASE_APP_CONNECTION_LIMIT": str(sizing.application_connection_limit(usable)),
        }

    def _production_values(self, values: dict[str, str]) -> dict[str, str]:
        chain = timeout_chain()
        return {
            "SUPERSET_ENV": "prod",
            "DATABASE_HOST": SERVER_NAME,
            "DATABASE_SSLMODE": "verify-full",
            "DATABASE_SSLROOTCERT": str(self.ca_file),
            "REDIS_HOST": SERVER_NAME,
            "REDIS_TLS": "true",
            "REDIS_AUTH_TOKEN": values["redis_auth_token"],
            "REDIS_CA_FILE": str(self.ca_file),
            "SMTP_HOST": SERVER_NAME,
            "SMTP_SECURITY": "starttls",
            "SMTP_USER": SMTP_USER,
            "GUNICORN_TIMEOUT": str(chain["gunicorn"]),
            "GUNICORN_KEEPALIVE": str(chain["keepalive"]),
        }

    # --- warehouse connections declared in a stack file (`local up --config-file`) ----------------

    def config_file(self) -> Path | None:
        saved = self.state().get("config_file")
        return Path(saved) if saved else self.options.config_file

    def secrets_manager(self) -> dict[str, str]:
        """The stand-in for Secrets Manager: secret ARN -> its value (SecretString: text, a JSON
        object for secrets read by key), kept with mode 0600."""
        if not self.secrets_manager_file.exists():
            return {}
        make_private(self.secrets_manager_file)
        stored: dict[str, str] = json.loads(self.secrets_manager_file.read_text())
        return stored

    def put_secret(self, arn: str, value: str) -> None:
        """Store (or replace) one secret in the stand-in, as `put-secret-value` would."""
        stored = {**self.secrets_manager(), arn: value}
        if not self.root.exists():
            private_folder(self.root)
        write_private(self.secrets_manager_file, json.dumps(stored, indent=2))

    def warehouse_environment(self, config_file: Path | None = None) -> dict[str, str]:
        """WAREHOUSE_CONNECTIONS and each credential, as ECS gives them to the migration task: the
        stack file's warehouseConnections (read through Settings, as the program reads them) and
        the stand-in's secrets. Empty without a stack file (`config_file`, else the twin's) or
        connections; TwinError for a stack file that is not valid or a secret the stand-in lacks."""
        path = config_file or self.config_file()
        if path is None:
            return {}
        from superset_stack import warehouses
        from superset_stack.settings import Settings, SettingsError

        try:
            settings = Settings.from_stack_file(path)
        except SettingsError as error:
            raise TwinError(f"{path}: {error}") from None
        connections, removed = settings.warehouse_connections, settings.removed_warehouse_connections
        if not connections and not removed:
            return {}
        environment = {
            "WAREHOUSE_CONNECTIONS": warehouses.declaration(connections, removed, region=settings.region)
        }
        stored = self.secrets_manager()
        missing = []
        for name, value_from in warehouses.credentials(connections).items():
            value = secret_value(stored, value_from)
            if value is None:
                missing.append(value_from)
            else:
                environment[name] = value
        if missing:
            raise TwinError(
                f"the stand-in for Secrets Manager ({self.secrets_manager_file}) lacks {', '.join(missing)}; "
                "store each with `superset-stack local put-secret ARN` (the value on standard input)"
            )
        return environment

    def _sign_in(self, role: str) -> dict[str, str]:
        """The sign-in variables of TwinOptions.sign_in; the secret ones for web only."""
        allowed = {variable.name for variable in AUTH_VARIABLES}
        unknown = sorted(set(self.options.sign_in) - allowed)
        if unknown:
            raise TwinError(f"not sign-in variables of the contract: {', '.join(unknown)}")
        return {
            name: value
            for name, value in self.options.sign_in.items()
            if role == "web" or BY_NAME[name].kind != "secret"
        }

    def process_environment(self, role: str = "web") -> dict[str, str]:
        """What a Superset process gets: the contract, plus where to find the code and config."""
        inherited = {
            key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "TZ", "HOME") if key in os.environ
        }
        if self.options.identity_provider_ca is not None:
            # requests (authlib's HTTP client) trusts it instead of the system bundle; twin only
            inherited["REQUESTS_CA_BUNDLE"] = str(self.options.identity_provider_ca)
        trust = {"SSL_CERT_FILE": str(self.trust_bundle)} if self.like_aws else {}
        return {
            **inherited,
            **trust,
            **self.environment(role),
            "PYTHONPATH": str(SOURCE_ROOT),
            "SUPERSET_CONFIG_PATH": str(RUNTIME_DIR / "superset_config.py"),
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def trust_bundle(self) -> Path:
        """like-aws: the system's CA bundle plus the twin's CA, the store smtplib verifies the relay
        against (ssl.create_default_context reads SSL_CERT_FILE; on ECS the system's store alone
        trusts SES). The other clients name their CA file themselves."""
        return self.tls / "trust.pem"

    def _python(self) -> Path:
        python = self.options.runtime / "bin" / "python"
        if not python.exists():
            raise TwinError(
                f"the Superset runtime is not installed at {self.options.runtime}; run `make runtime` "
                f"(or give --runtime)"
            )
        return python

    def _entrypoint(self, role: str) -> list[str]:
        return [str(self._python()), "-m", "superset_stack.runtime.entrypoint", role]

    # --- commands ------------------------------------------------------------------------------

    def running(self) -> dict[str, int]:
        processes: dict[str, int] = self.state().get("processes", {})
        return {name: pid for name, pid in processes.items() if is_running(pid)}

    def _check_before_up(self) -> dict[str, str]:
        """Everything that can be refused before anything starts; the binaries to run."""
        already = self.running()
        if already:
            if set(already) == set(self.process_names()):
                raise TwinAlreadyRunningError(self.superset_url())
            raise TwinError(
                f"the twin is partly running ({', '.join(sorted(already))}); run `superset-stack local "
                f"down` first"
            )
        ports = self.options.ports.used(like_aws=self.options.like_aws)
        problems = self.options.ports.problems(like_aws=self.options.like_aws)
        if problems:
            raise TwinError("; ".join(problems))
        self._python()
        if self.options.config_file is not None:  # a stack file that is not valid, or a missing secret
            self.warehouse_environment(self.options.config_file)
        binaries = self._resolve_binaries()
        for name, port in ports.items():
            if not port_is_free(port):
                raise TwinError(f"port {port} ({name}) is already in use; choose another with --{name}-port")
        return binaries

    def up(self, progress: Callable[[str], None] = lambda _message: None) -> dict[str, Any]:
        """Start everything; returns the status. Starts nothing twice."""
        binaries = self._check_before_up()
        self.prepare_state_folder()
        self._save_state(
            {"ports": asdict(self.options.ports), "like_aws": self.options.like_aws, "binaries": binaries,
             "processes": {},
             "config_file": str(self.options.config_file.resolve()) if self.options.config_file else None}
        )  # fmt: skip
        pids: dict[str, int] = {}
        try:
            self._start_stores(pids, progress)
            progress(f"starting the mail relay (e-mail lands in {self.mail_dir})")
            pids["smtp"] = self._record("smtp", self.mail().start())
            progress("bootstrapping Superset (migrate, init, admin)")
            self.bootstrap()
            for role in SUPERSET_ROLES:
                progress(f"starting Superset {role}")
                pids[role] = self.start_role(role)
            progress("waiting for Superset to answer /health")
            wait_until(
                self._web_healthy,
                timeout_seconds=180,
                what="Superset web",
                pid=pids["web"],
                log_file=self.logs / "web.log",
            )
            for role in ("worker", "beat"):
                if not is_running(pids[role]):
                    raise TwinError(
                        f"Superset {role} exited during start-up; see {self.logs / (role + '.log')}"
                    )
            if self.like_aws:
                progress("starting the load balancer (nginx)")
                pids["proxy"] = self._record("proxy", self.proxy().start())
        except BaseException:
            self._stop(pids)
            raise
        return self.status()

    def prepare_state_folder(self) -> None:
        """The state folder 0700 (0710 for the service user's group as root: PostgreSQL and nginx's
        workers reach their own folders in it), logs and Superset's home 0700."""
        private_folder(self.root, shared_with=service_user())
        private_folder(self.logs)
        private_folder(self.root / "superset_home")

    def _start_stores(self, pids: dict[str, int], progress: Callable[[str], None]) -> None:
        authority = None
        if self.like_aws:
            progress("issuing certificates from the twin's CA")
            authority = self._issue_certificates()
        progress("starting PostgreSQL")
        database = self.postgres()
        database.initialise()
        if authority is not None:
            database.install_certificate(
                *authority.issue(dns_names=(SERVER_NAME,), ip_addresses=SERVER_ADDRESSES)
            )
        pids["postgres"] = self._record("postgres", database.start())
        database.ensure_database(DATABASE_NAME)
        progress("starting Redis")
        pids["redis"] = self._record("redis", self.redis().start())

    def _issue_certificates(self) -> CertificateAuthority:
        """The CA (kept) and fresh certificates for the load balancer and Redis."""
        private_folder(self.tls)
        authority = CertificateAuthority.load_or_create(self.tls)
        for name in ("proxy", "redis", "smtp"):
            authority.issue_files(self.tls, name, dns_names=(SERVER_NAME,), ip_addresses=SERVER_ADDRESSES)
        system = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
        bundle = (system.read_bytes() if system.exists() else b"") + self.ca_file.read_bytes()
        write_private(self.trust_bundle, bundle)
        return authority

    def bootstrap(self, extra_environment: Mapping[str, str] | None = None) -> None:
        """Run the bootstrap once, as the migration task does (at `up`, or for a key rotation with
        SUPERSET_PREVIOUS_SECRET_KEY in `extra_environment`); TwinError with its log's tail if it fails."""
        log_file = self.logs / "bootstrap.log"
        with log_file.open("ab") as log:
            result = subprocess.run(
                self._entrypoint("bootstrap"),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.process_environment("bootstrap"), **(extra_environment or {})},
                cwd=self.root,
                check=False,
                timeout=600,
            )
        if result.returncode != 0:
            lines = log_file.read_text(errors="replace").splitlines()[-20:]
            raise TwinError("bootstrap failed; last lines of " + str(log_file) + ":\n" + "\n".join(lines))

    def _web_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.gunicorn_url()}/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def _stop(self, pids: dict[str, int]) -> list[str]:
        stopped = []
        # The load balancer first, then Superset (it needs the stores to finish in-flight work),
        # then Redis, then PostgreSQL.
        signals = {"proxy": signal.SIGQUIT, "postgres": signal.SIGINT}  # graceful; PostgreSQL: fast
        for name in ("proxy", *SUPERSET_ROLES, "smtp", "redis", "postgres"):
            timeout = 60 if name == "postgres" else 40
            if stop(pids.get(name), sig=signals.get(name, signal.SIGTERM), timeout_seconds=timeout):
                stopped.append(name)
        return stopped

    def stop_store(self, name: str) -> None:
        """Stop PostgreSQL or Redis alone (an outage, for failure tests); `start_store` brings it back."""
        if name not in ("postgres", "redis"):
            raise ValueError(f"unknown store {name!r}; allowed: postgres, redis")
        pid = self.state().get("processes", {}).get(name)
        stop(pid, sig=signal.SIGINT if name == "postgres" else signal.SIGTERM, timeout_seconds=60)

    def start_store(self, name: str, *, postgres_max_connections: int | None = None) -> int:
        """Start PostgreSQL or Redis again on its port and data; its new pid is kept in the state.

        `postgres_max_connections` restarts PostgreSQL with another limit (the connection-budget
        benchmark uses an RDS instance class's).
        """
        if name not in ("postgres", "redis"):
            raise ValueError(f"unknown store {name!r}; allowed: postgres, redis")
        if name == "postgres":
            server = self.postgres()
            if postgres_max_connections is not None:
                server = replace(server, max_connections=postgres_max_connections)
            return self._record(name, server.start())
        return self._record(name, self.redis().start())

    def start_role(self, role: str) -> int:
        """Start one Superset process (at `up`, or again after a failure test stopped it); its pid is kept."""
        if role not in SUPERSET_ROLES:
            raise ValueError(f"unknown Superset role {role!r}; allowed: {', '.join(SUPERSET_ROLES)}")
        pid = start(
            self._entrypoint(role),
            log_file=self.logs / f"{role}.log",
            env=self.process_environment(role),
            cwd=self.root,
        )
        return self._record(role, pid)

    def down(self, *, delete_data: bool = False) -> list[str]:
        stopped = self._stop(self.state().get("processes", {}))
        state = self.state()
        if state:
            state["processes"] = {}
            self._save_state(state)
        if delete_data and self.root.exists():
            shutil.rmtree(self.root)
        return stopped

    def _health_checks(self) -> dict[str, Callable[[], bool]]:
        return {
            "postgres": lambda: self.postgres().ready(),
            "redis": lambda: self.redis().ready(),
            "web": self._web_healthy,
            "proxy": lambda: self.proxy().ready(),
            "smtp": lambda: self.mail().ready(),
        }

    def status(self) -> dict[str, Any]:
        state = self.state()
        pids: dict[str, int] = state.get("processes", {})
        checks = self._health_checks() if state else {}
        processes = {}
        for name in self.process_names():
            pid = pids.get(name)
            alive = is_running(pid)
            check = checks.get(name)
            processes[name] = {
                "pid": pid if alive else None,
                "running": alive,
                "healthy": alive and (check() if check else True),
            }
        if not state:
            return {"state_dir": str(self.root), "processes": processes, "like_aws": False,
                    **dict.fromkeys(("superset_url", "http_url", "ca_file", "database_url", "redis_url",
                                     "mail_dir", "smtp_host", "smtp_port", "admin_username",
                                     "admin_password_file"))}  # fmt: skip
        return {
            "state_dir": str(self.root),
            "processes": processes,
            "like_aws": self.like_aws,
            "superset_url": self.superset_url(),
            "http_url": self.http_url(),
            "ca_file": str(self.ca_file) if self.like_aws else None,
            "database_url": self.postgres().url("postgres"),
            "redis_url": parse(self.environment()).redis_url(0),
            "mail_dir": str(self.mail_dir),
            "smtp_host": self.environment()["SMTP_HOST"],
            "smtp_port": self._ports().smtp,
            "admin_username": "admin",
            "admin_password_file": str(self.secrets_file),
        }


def browser_problem() -> str | None:
    """What is missing for the worker's screenshots (Debian's Chromium and its driver), or None."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        return f"no {' or '.join(missing)}; the worker's browser is Debian's: {BROWSER_HINT}"
    return None


def secret_value(stored: Mapping[str, str], value_from: str) -> str | None:
    """What ECS injects for a valueFrom (`<secret ARN>` or `<secret ARN>:<JSON key>::`) from the
    stand-in's secrets; None when the secret, or its key in its JSON, is not there."""
    parts = value_from.split(":")
    arn, key = ":".join(parts[:7]), (parts[7] if len(parts) > 7 else "")
    value: Any = stored.get(arn)
    if key and isinstance(value, str):
        try:
            value = json.loads(value).get(key)
        except (ValueError, AttributeError):
            return None
    return value if isinstance(value, str) and value else None


class TwinAlreadyRunningError(TwinError):
    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"the twin is already running at {url}; nothing was started")


def default_options(**overrides: Any) -> TwinOptions:
    root = Path.cwd()
    values: dict[str, Any] = {
        "state_dir": root / ".superset-stack" / "local",
        "runtime": Path(os.environ.get("SUPERSET_STACK_RUNTIME", root / ".venv-superset")),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return TwinOptions(**values)
