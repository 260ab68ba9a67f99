"""The local twin: the same Superset runtime as on ECS, on one machine.

`up` starts PostgreSQL and Redis, runs the bootstrap (migrate, init, admin), then the web tier
(gunicorn), a Celery worker and Celery beat, each through the same entrypoint and the same
environment contract as the ECS tasks; only the values differ (SUPERSET_ENV=local). Everything the
twin owns lives in one state folder; `down` stops it all and keeps the data unless asked not to.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from superset_stack.local import postgres, redis
from superset_stack.local.processes import TwinError, is_running, port_is_free, start, stop, wait_until

SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the superset_stack package
RUNTIME_DIR = SOURCE_ROOT / "superset_stack" / "runtime"
DATABASE_USER = "superset"
DATABASE_NAME = "superset"
SUPERSET_ROLES = ("web", "worker", "beat")
ALL_PROCESSES = ("postgres", "redis", *SUPERSET_ROLES)


@dataclass
class Ports:
    web: int = 8088
    postgres: int = 54329
    redis: int = 63799


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


class Twin:
    def __init__(self, options: TwinOptions) -> None:
        # Absolute paths: PostgreSQL runs with its data folder as working directory.
        options = replace(options, state_dir=options.state_dir.resolve(), runtime=options.runtime.absolute())
        self.options = options
        self.root = options.state_dir
        self.logs = self.root / "logs"
        self.state_file = self.root / "state.json"
        self.secrets_file = self.root / "secrets.json"

    # --- persisted state -----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {}
        loaded: dict[str, Any] = json.loads(self.state_file.read_text())
        return loaded

    def _save_state(self, state: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(state, indent=2))

    def secrets(self) -> dict[str, str]:
        """Generated once per state folder, kept with mode 0600."""
        stored: dict[str, str] = (
            json.loads(self.secrets_file.read_text()) if self.secrets_file.exists() else {}
        )
        wanted: dict[str, Callable[[], str]] = {
            "database_password": lambda: secrets.token_urlsafe(24),
            "secret_key": lambda: secrets.token_urlsafe(48),
            "admin_password": lambda: secrets.token_urlsafe(12),
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
            self.root.mkdir(parents=True, exist_ok=True)
            self.secrets_file.touch(mode=0o600)
            self.secrets_file.chmod(0o600)
            self.secrets_file.write_text(json.dumps(stored, indent=2))
        return stored

    # --- the pieces ----------------------------------------------------------------------------

    def _ports(self) -> Ports:
        saved = self.state().get("ports")
        return Ports(**saved) if saved else self.options.ports

    def postgres(self) -> postgres.Postgres:
        return postgres.Postgres(
            data_dir=self.root / "postgres",
            port=self._ports().postgres,
            user=DATABASE_USER,
            password=self.secrets()["database_password"],
            log_file=self.logs / "postgres.log",
            bin_dir=postgres.binaries(self.options.postgres_bin),
        )

    def redis(self) -> redis.Redis:
        return redis.Redis(
            data_dir=self.root / "redis",
            port=self._ports().redis,
            log_file=self.logs / "redis.log",
            binary=redis.server_binary(self.options.redis_server),
        )

    def superset_url(self) -> str:
        return f"http://127.0.0.1:{self._ports().web}"

    def environment(self) -> dict[str, str]:
        """The container environment contract, with the twin's values."""
        values = self.secrets()
        ports = self._ports()
        return {
            "SUPERSET_ENV": "local",
            "SUPERSET_PUBLIC_URL": self.superset_url(),
            "DATABASE_HOST": "127.0.0.1",
            "DATABASE_PORT": str(ports.postgres),
            "DATABASE_DB": DATABASE_NAME,
            "DATABASE_USER": DATABASE_USER,
            "DATABASE_PASSWORD": values["database_password"],
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
            "SUPERSET_ADMIN_USERNAME": "admin",
            "SUPERSET_ADMIN_PASSWORD": values["admin_password"],
        }

    def process_environment(self) -> dict[str, str]:
        """What a Superset process gets: the contract, plus where to find the code and config."""
        inherited = {
            key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "TZ", "HOME") if key in os.environ
        }
        return {
            **inherited,
            **self.environment(),
            "PYTHONPATH": str(SOURCE_ROOT),
            "SUPERSET_CONFIG_PATH": str(RUNTIME_DIR / "superset_config.py"),
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONUNBUFFERED": "1",
        }

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

    def up(self, progress: Callable[[str], None] = lambda _message: None) -> dict[str, Any]:
        """Start everything; returns the status. Starts nothing twice."""
        already = self.running()
        if already:
            if set(already) == set(ALL_PROCESSES):
                raise TwinAlreadyRunningError(self.superset_url())
            raise TwinError(
                f"the twin is partly running ({', '.join(sorted(already))}); run `superset-stack local "
                f"down` first"
            )
        self._python()
        ports = self.options.ports
        for name, port in asdict(ports).items():
            if not port_is_free(port):
                raise TwinError(f"port {port} ({name}) is already in use; choose another with --{name}-port")
        self._save_state({"ports": asdict(ports), "processes": {}})
        self.logs.mkdir(parents=True, exist_ok=True)
        pids: dict[str, int] = {}
        try:
            progress("starting PostgreSQL")
            database = self.postgres()
            database.initialise()
            pids["postgres"] = database.start()
            database.ensure_database(DATABASE_NAME)
            self._save_state({"ports": asdict(ports), "processes": pids})

            progress("starting Redis")
            pids["redis"] = self.redis().start()
            self._save_state({"ports": asdict(ports), "processes": pids})

            progress("bootstrapping Superset (migrate, init, admin)")
            self._bootstrap()

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
        except BaseException:
            self._stop(pids)
            raise
        return self.status()

    def _bootstrap(self) -> None:
        log_file = self.logs / "bootstrap.log"
        with log_file.open("ab") as log:
            result = subprocess.run(
                self._entrypoint("bootstrap"),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.process_environment(),
                cwd=self.root,
                check=False,
                timeout=600,
            )
        if result.returncode != 0:
            lines = log_file.read_text(errors="replace").splitlines()[-20:]
            raise TwinError("bootstrap failed; last lines of " + str(log_file) + ":\n" + "\n".join(lines))

    def _web_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.superset_url()}/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def _stop(self, pids: dict[str, int]) -> list[str]:
        stopped = []
        # Superset first (it needs the stores to finish in-flight work), then Redis, then PostgreSQL.
        for name in (*SUPERSET_ROLES, "redis", "postgres"):
            if name == "postgres":
                done = stop(pids.get(name), sig=signal.SIGINT, timeout_seconds=60)  # fast shutdown
            else:
                done = stop(pids.get(name), timeout_seconds=40)
            if done:
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
            pid = server.start()
        else:
            pid = self.redis().start()
        state = self.state()
        state.setdefault("processes", {})[name] = pid
        self._save_state(state)
        return pid

    def start_role(self, role: str) -> int:
        """Start one Superset process (at `up`, or again after a failure test stopped it); its pid is kept."""
        if role not in SUPERSET_ROLES:
            raise ValueError(f"unknown Superset role {role!r}; allowed: {', '.join(SUPERSET_ROLES)}")
        pid = start(
            self._entrypoint(role),
            log_file=self.logs / f"{role}.log",
            env=self.process_environment(),
            cwd=self.root,
        )
        state = self.state()
        state.setdefault("processes", {})[role] = pid
        self._save_state(state)
        return pid

    def down(self, *, delete_data: bool = False) -> list[str]:
        stopped = self._stop(self.state().get("processes", {}))
        state = self.state()
        if state:
            state["processes"] = {}
            self._save_state(state)
        if delete_data and self.root.exists():
            shutil.rmtree(self.root)
        return stopped

    def status(self) -> dict[str, Any]:
        state = self.state()
        pids: dict[str, int] = state.get("processes", {})
        checks: dict[str, Callable[[], bool]] = {}
        if state:
            checks = {
                "postgres": lambda: self.postgres().ready(),
                "redis": lambda: redis.ping(self._ports().redis),
                "web": self._web_healthy,
            }
        processes = {}
        for name in ALL_PROCESSES:
            pid = pids.get(name)
            alive = is_running(pid)
            check = checks.get(name)
            processes[name] = {
                "pid": pid if alive else None,
                "running": alive,
                "healthy": alive and (check() if check else True),
            }
        secrets_values = self.secrets() if state else {}
        return {
            "state_dir": str(self.root),
            "processes": processes,
            "superset_url": self.superset_url() if state else None,
            "database_url": self.postgres().url("postgres") if state else None,
            "redis_url": self.redis().url() if state else None,
            "admin_username": "admin" if state else None,
            "admin_password_file": str(self.secrets_file) if secrets_values else None,
        }


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
