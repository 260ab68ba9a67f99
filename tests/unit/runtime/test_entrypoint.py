"""The entrypoint: one argv per role, the same on ECS and in the twin."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from superset_stack.contract import parse
from superset_stack.runtime.entrypoint import command, main
from tests.unit.test_contract import AWS


def test_web_runs_gunicorn_with_the_contract_sizes_and_timeouts() -> None:
    argv = command("web", parse({**AWS, "GUNICORN_TIMEOUT": "55"}), python="python")
    assert argv[:3] == ["python", "-m", "gunicorn"]
    flags = dict(zip(argv[3::2], argv[4::2], strict=False))
    assert flags["--bind"] == "0.0.0.0:8088"
    assert (flags["--workers"], flags["--threads"], flags["--worker-class"]) == ("4", "8", "gthread")
    assert (flags["--timeout"], flags["--keep-alive"]) == ("55", "75")
    assert (flags["--max-requests"], flags["--max-requests-jitter"]) == ("10000", "1000")  # rare restarts
    assert argv[-1] == "superset.app:create_app()"


def test_worker_and_beat_run_celery_from_superset() -> None:
    runtime = parse({**AWS, "CELERY_CONCURRENCY": "3", "SUPERSET_HOME": "/data"})
    assert command("worker", runtime, python="py") == [
        "py", "-m", "celery", "--app=superset.tasks.celery_app:app", "worker",
        f"--hostname=worker@{socket.gethostname()}", "--pool=prefork", "-O", "fair", "--concurrency=3", "--loglevel=INFO",
    ]  # fmt: skip
    assert command("beat", runtime, python="py") == [
        "py", "-m", "celery", "--app=superset.tasks.celery_app:app", "beat", "--loglevel=INFO",
        "--pidfile=/data/celerybeat.pid", "--schedule=/data/celerybeat-schedule",
    ]  # fmt: skip


def test_a_broken_contract_stops_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {**AWS, "DATABASE_PORT": "five"}.items():
        monkeypatch.setenv(name, value)
    assert main(["entrypoint", "web"]) == 2
    assert "DATABASE_PORT: expected an integer 1-65535, got 'five'" in capsys.readouterr().err


def test_unknown_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entrypoint", "scheduler"]) == 2
    assert "usage: entrypoint {web|worker|beat|bootstrap|verify}" in capsys.readouterr().err


def test_the_started_process_learns_its_role(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[tuple[str, list[str], dict[str, str]]] = []
    for name, value in {**AWS, "SUPERSET_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("os.execve", lambda path, argv, env: started.append((path, argv, env)))
    main(["entrypoint", "worker"])
    ((_, argv, environment),) = started
    assert argv[3:5] == ["--app=superset.tasks.celery_app:app", "worker"]
    assert environment["SUPERSET_PROCESS"] == "worker"
    assert environment["DATABASE_HOST"] == AWS["DATABASE_HOST"]
