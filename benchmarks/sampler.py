"""A CPU-time sampling profiler for one thread, standard library only (it runs inside the runtime).

The kernel sends SIGPROF each INTERVAL_SECONDS of the process's CPU time (setitimer(ITIMER_PROF)):
time spent waiting for PostgreSQL or Redis is not sampled, time spent computing is, whatever the
code. Python runs the handler in the main thread at the next bytecode, with the frame that was
running; each sample is that frame's stack, outermost first, as "path:function" strings with
paths cut to the package (site-packages/ and the repository's src/ left out). Where the samples
fall, by layer, is benchmarks/profile.py's business.
"""

from __future__ import annotations

import signal
from collections import Counter
from types import FrameType
from typing import Any

INTERVAL_SECONDS = 0.0005
_CUT = ("site-packages/", "/src/", "/lib/python3.11/")


def _where(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    for marker in _CUT:
        if marker in path:
            path = path.rsplit(marker, 1)[1]
            break
    return f"{path}:{frame.f_code.co_name}"


class Sampler:
    """Counts the main thread's stacks while started; stacks() gives them, most frequent first."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, ...]] = Counter()

    def _sample(self, _signal: int, frame: FrameType | None) -> None:
        stack = []
        while frame is not None:
            stack.append(_where(frame))
            frame = frame.f_back
        self._counts[tuple(reversed(stack))] += 1

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, INTERVAL_SECONDS, INTERVAL_SECONDS)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_IGN)

    def stacks(self) -> list[dict[str, Any]]:
        return [{"stack": list(stack), "samples": n} for stack, n in self._counts.most_common()]
