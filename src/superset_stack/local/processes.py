"""Starting, watching and stopping the twin's background processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from superset_stack.local.files import run_as

# Detached children outlive the Popen handle's usual scope; keeping the handles stops Python
# reporting still-running subprocesses when a handle is garbage-collected.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class TwinError(RuntimeError):
    """Something the user can act on: the message says what went wrong and what to do."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the kernel considers free right now (for tests and defaults)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_running(pid: int | None) -> bool:
    if not pid:
        return False
    if pid in _CHILDREN:  # started by this process: its handle knows (and reaps it)
        return _CHILDREN[pid].poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return _not_zombie(pid)
    return finished == 0


def _not_zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(
    argv: Sequence[str],
    *,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> int:
    """Start a detached process (own session, survives this CLI) writing to `log_file`; its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env or os.environ),
            cwd=cwd,
            start_new_session=True,
            **run_as(user),
        )
    _CHILDREN[process.pid] = process
    return process.pid


def stop(pid: int | None, *, sig: int = signal.SIGTERM, timeout_seconds: float = 30) -> bool:
    """Ask a process to stop and wait; kill it after the timeout. True when it had been running."""
    if not is_running(pid):
        return False
    assert pid is not None
    try:
        os.killpg(pid, sig)  # the whole session: gunicorn/celery children go too
    except (ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    return True


def wait_until(
    check: Callable[[], bool],
    *,
    timeout_seconds: float,
    what: str,
    pid: int | None = None,
    log_file: Path | None = None,
) -> None:
    """Poll `check` until it passes; fail with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if check():
            return
        if pid is not None and not is_running(pid):
            raise TwinError(f"{what} exited during start-up{_tail(log_file)}")
        time.sleep(0.3)
    raise TwinError(f"{what} was not ready after {timeout_seconds:.0f} s{_tail(log_file)}")


def _tail(log_file: Path | None, lines: int = 15) -> str:
    if log_file is None or not log_file.exists():
        return ""
    text = log_file.read_text(errors="replace").splitlines()[-lines:]
    return f"; last lines of {log_file}:\n" + "\n".join(f"    {line}" for line in text)


def tail(log_file: Path, lines: int) -> list[str]:
    if not log_file.exists():
        return []
    return log_file.read_text(errors="replace").splitlines()[-lines:]
