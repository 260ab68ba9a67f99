"""When each dashboard viewer acts: its own phase of a shared cycle, kept for the whole run.

Locust's constant_pacing counts a user's first wait from when the user was created, so a viewer
that slept to its phase in on_start was pulled back to the cycle everyone shares, and from the
second cycle on all viewers reloaded in the same second (seen in the benchmark's history). Here
each viewer's slots are fixed on one clock: start + phase + k x period.
"""

from __future__ import annotations

import math

GOLDEN_RATIO_CONJUGATE = (5**0.5 - 1) / 2


def phase(number: int, period_seconds: float) -> float:
    """The `number`th viewer's offset in the cycle: spread evenly for any number of viewers
    (golden-ratio sequence), the same in every run."""
    return period_seconds * (number * GOLDEN_RATIO_CONJUGATE % 1)


def until_next_slot(now: float, start: float, offset: float, period_seconds: float) -> float:
    """Seconds from `now` to the viewer's next slot; a slot missed by a slow reload is skipped."""
    cycles = math.floor((now - start - offset) / period_seconds) + 1
    return start + offset + cycles * period_seconds - now
