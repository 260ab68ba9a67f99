"""The twin's own logic, without starting servers: contract, secrets, and its refusals."""

from __future__ import annotations

import json
import socket
import stat
import sys
from pathlib import Path

import pytest

from superset_stack.contract import names, parse
from superset_stack.local.processes import TwinError, free_port
from superset_stack.local.twin import Ports, Twin, TwinOptions


@pytest.fixture
def runtime(tmp_path: Path) -> Path:
    """A stand-in runtime virtualenv: only its python has to exist for these checks."""
    folder = tmp_path / "runtime"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    return folder


def twin(tmp_path: Path, runtime: Path, **ports: int) -> Twin:
    chosen = Ports(**{"web": free_port(), "postgres": free_port(), "redis": free_port(), **ports})
    return Twin(TwinOptions(state_dir=tmp_path / "state", runtime=runtime, ports=chosen))


def test_twin_environment_satisfies_the_contract(tmp_path: Path, runtime: Path) -> None:
    environment = twin(tmp_path, runtime).environment()
    assert set(environment) <= set(names()), set(environment) - set(names())
    parsed = parse(environment)
    assert parsed.local
    assert (parsed.database_sslmode, parsed.redis_tls, parsed.redis_auth_token) == ("disable", False, "")


def test_secrets_are_generated_once_and_private(tmp_path: Path, runtime: Path) -> None:
    subject = twin(tmp_path, runtime)
    first = subject.secrets()
    assert subject.secrets() == first
    assert stat.S_IMODE(subject.secrets_file.stat().st_mode) == 0o600
    assert len(first["secret_key"]) >= 32


def test_admin_password_comes_from_the_environment_when_set(
    tmp_path: Path, runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERSET_ADMIN_PASSWORD", "chosen-by-the-user")
    subject = twin(tmp_path, runtime)
    assert subject.environment()["SUPERSET_ADMIN_PASSWORD"] == "chosen-by-the-user"
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
