"""Health checks: web asks its own gunicorn, worker pings its own node by the name the entrypoint set."""

from __future__ import annotations

import http.server
import socket
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from superset_stack.contract import parse
from superset_stack.runtime import health
from superset_stack.runtime.entrypoint import command
from tests.unit.test_contract import AWS
from tests.unit.test_contract import LOCAL as LOCAL_CONTRACT

LOCAL = {**LOCAL_CONTRACT, "REDIS_HOST": "127.0.0.1"}


def test_the_worker_runs_under_the_node_name_the_check_pings() -> None:
    assert health.worker_node_name("ip-10-0-8-17.ec2.internal") == "worker@ip-10-0-8-17.ec2.internal"
    argv = command("worker", parse(AWS), python="py")
    assert f"--hostname={health.worker_node_name()}" in argv
    assert health.worker_node_name() == f"worker@{socket.gethostname()}"


def test_the_broker_is_the_one_the_configuration_uses() -> None:
    # tests/integration/runtime/test_health.py compares with superset_config.py itself
    assert health.broker_url(parse(AWS)) == (
        "rediss://:tok%2Fen%401@master.cache.internal:6379/0?ssl_cert_reqs=required&ssl_check_hostname=true"
    )
    assert health.broker_url(parse(LOCAL)) == "redis://127.0.0.1:6379/0"


@pytest.fixture
def gunicorn() -> Iterator[dict[str, int]]:
    """A loopback server standing in for the task's gunicorn; `status` is what /health answers."""
    state = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(state["status"] if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["port"] = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


def test_web_is_healthy_when_its_gunicorn_answers_health(gunicorn: dict[str, int]) -> None:
    environ = {**LOCAL, "SUPERSET_PORT": str(gunicorn["port"])}
    assert health.main(["health", "web"], environ) == 0
    gunicorn["status"] = 503
    assert health.main(["health", "web"], environ) == 1


def test_web_is_unhealthy_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert health.main(["health", "web"], {**LOCAL, "SUPERSET_PORT": str(port)}) == 1
    assert f"http://127.0.0.1:{port}/health: " in capsys.readouterr().err


class FakeCelery:
    """Celery's app as far as the check uses it; `replies` is what the ping gets back."""

    replies: ClassVar[list[dict[str, Any]]] = []
    error: ClassVar[Exception | None] = None
    made: ClassVar[list[FakeCelery]] = []

    def __init__(self, main: str, *, broker: str, set_as_current: bool) -> None:
        self.broker, self.conf, self.closed, self.pinged = broker, types.SimpleNamespace(), False, None
        self.control = types.SimpleNamespace(ping=self._ping)
        FakeCelery.made.append(self)

    def _ping(self, *, destination: list[str], timeout: float) -> list[dict[str, Any]]:
        self.pinged = (destination, timeout)
        if FakeCelery.error is not None:
            raise FakeCelery.error
        return FakeCelery.replies

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def celery(monkeypatch: pytest.MonkeyPatch) -> type[FakeCelery]:
    monkeypatch.setitem(sys.modules, "celery", types.SimpleNamespace(Celery=FakeCelery))
    monkeypatch.setattr(socket, "gethostname", lambda: "ip-10-0-8-17")
    FakeCelery.replies, FakeCelery.error, FakeCelery.made = [], None, []
    return FakeCelery


def test_the_worker_is_healthy_only_when_its_own_node_answers(
    celery: type[FakeCelery], capsys: pytest.CaptureFixture[str]
) -> None:
    celery.replies = [{"worker@ip-10-0-8-17": {"ok": "pong"}}]
    assert health.main(["health", "worker"], AWS) == 0
    (app,) = celery.made
    assert app.broker == health.broker_url(parse(AWS))
    assert app.pinged == (["worker@ip-10-0-8-17"], 5.0)
    assert (app.conf.broker_connection_timeout, app.conf.broker_connection_retry_on_startup) == (5.0, False)
    assert app.closed
    assert capsys.readouterr().out == "worker@ip-10-0-8-17: pong\n"
    celery.replies = [{"worker@another-task": {"ok": "pong"}}]
    assert health.main(["health", "worker"], AWS) == 1
    assert capsys.readouterr().err == "worker@ip-10-0-8-17: no answer within 5 s\n"


def test_a_broker_that_cannot_be_reached_is_unhealthy(
    celery: type[FakeCelery], capsys: pytest.CaptureFixture[str]
) -> None:
    celery.error = ConnectionRefusedError("Error 111 connecting to master.cache.internal:6379")
    assert health.main(["health", "worker"], AWS) == 1
    assert capsys.readouterr().err == (
        "worker@ip-10-0-8-17: ConnectionRefusedError: Error 111 connecting to master.cache.internal:6379\n"
    )
    assert celery.made[0].closed


def test_usage_and_a_broken_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert health.main(["health", "beat"], AWS) == 2
    assert "usage: health {web|worker}" in capsys.readouterr().err
    assert health.main(["health", "web"], {**AWS, "SUPERSET_PORT": "http"}) == 2
    assert "SUPERSET_PORT" in capsys.readouterr().err
