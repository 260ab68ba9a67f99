"""Waiting on AWS: a clock that tests can drive, polling with progress, and SIGTERM as Ctrl-C.

Every wait in the day-2 commands goes through `wait_for`: it asks again every `poll_seconds`,
shows what it saw through `progress`, stops at a failure state at once, and gives up after
`timeout_seconds` with the last state in the message.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import TypeVar

from superset_stack.ops.session import OpsError

T = TypeVar("T")
Progress = Callable[[str], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def quiet(_message: str) -> None:
    """Progress that shows nothing."""


@dataclass(frozen=True)
class Clock:
    """Wall time (UTC), elapsed time and sleeping; tests replace `sleep` to let the world move on."""

    now: Callable[[], datetime] = field(default=utc_now)
    monotonic: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)


@dataclass(frozen=True, kw_only=True)
class Wait:
    """How long and how often to ask."""

    poll_seconds: float = 15.0
    timeout_seconds: float = 3600.0


def wait_for(
    ask: Callable[[], T],
    *,
    done: Callable[[T], bool],
    failed: Callable[[T], str | None] = lambda _answer: None,
    what: str,
    show: Callable[[T], str] = str,
    wait: Wait,
    clock: Clock,
    progress: Progress,
) -> T:
    """Ask until `done`; raise OpsError when `failed` says why, or after the timeout."""
    started = clock.monotonic()
    while True:
        answer = ask()
        problem = failed(answer)
        if problem:
            raise OpsError(f"{what}: {problem}")
        if done(answer):
            return answer
        waited = clock.monotonic() - started
        if waited >= wait.timeout_seconds:
            raise OpsError(f"{what}: not done after {wait.timeout_seconds:.0f} s (last seen: {show(answer)})")
        progress(f"{what}: {show(answer)} ({waited:.0f} s)")
        clock.sleep(wait.poll_seconds)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (a CI job cancelled, `kill`) raises KeyboardInterrupt like Ctrl-C,
    so that cleanup in `finally` runs for both."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
