"""Waiting with progress and a timeout; SIGTERM behaving like Ctrl-C inside a command."""

from __future__ import annotations

import os
import signal

import pytest

from superset_stack.ops.session import OpsError
from superset_stack.ops.waiting import Clock, Wait, sigterm_as_interrupt, wait_for


def fake_clock() -> tuple[Clock, list[float]]:
    elapsed = [0.0]

    def sleep(seconds: float) -> None:
        elapsed[0] += seconds

    return Clock(monotonic=lambda: elapsed[0], sleep=sleep), elapsed


def test_waits_until_done_and_shows_each_state() -> None:
    clock, elapsed = fake_clock()
    answers = iter(["creating", "backing-up", "available"])
    shown: list[str] = []
    result = wait_for(lambda: next(answers), done=lambda status: status == "available", what="restoring x",
                      wait=Wait(poll_seconds=20, timeout_seconds=600), clock=clock, progress=shown.append)  # fmt: skip
    assert (result, elapsed[0]) == ("available", 40.0)
    assert shown == ["restoring x: creating (0 s)", "restoring x: backing-up (20 s)"]


def test_a_failure_state_stops_at_once_and_a_timeout_names_the_last_state() -> None:
    clock, _ = fake_clock()
    with pytest.raises(OpsError, match=r"^restoring x: RDS reports storage-full$"):
        wait_for(lambda: "storage-full", done=lambda _s: False, failed=lambda s: f"RDS reports {s}",
                 what="restoring x", wait=Wait(), clock=clock, progress=lambda _m: None)  # fmt: skip
    with pytest.raises(OpsError, match=r"^restoring x: not done after 60 s \(last seen: creating\)$"):
        wait_for(lambda: "creating", done=lambda _s: False, what="restoring x",
                 wait=Wait(poll_seconds=20, timeout_seconds=60), clock=clock, progress=lambda _m: None)  # fmt: skip


def test_sigterm_interrupts_like_ctrl_c_only_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause()  # not reached: the handler raises first
    assert signal.getsignal(signal.SIGTERM) is before
