"""Dashboard viewers keep their own phase of the cycle for the whole run."""

from __future__ import annotations

import pytest

from benchmarks.pacing import phase, until_next_slot


def test_phases_spread_over_the_cycle_and_repeat_between_runs() -> None:
    offsets = [phase(number, 10.0) for number in range(20)]
    assert offsets == [phase(number, 10.0) for number in range(20)]
    assert all(0 <= offset < 10 for offset in offsets)
    assert max(sum(1 for o in offsets if second <= o < second + 1) for second in range(10)) <= 3  # no pile-up


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (103.5, 10.0),  # just reloaded at its slot (start 100 + offset 3.5): the next one is 10 s away
        (105.0, 8.5),  # the reload took 1.5 s: wait the rest of the cycle, not 10 s
        (115.0, 8.5),  # a reload longer than the cycle skips the missed slot instead of bunching up
    ],
)
def test_the_next_slot_stays_on_the_viewers_own_phase(now: float, expected: float) -> None:
    assert until_next_slot(now, start=100.0, offset=3.5, period_seconds=10.0) == pytest.approx(expected)
