"""docs/benchmarks.md's profile section: each step's figures and each layer's milliseconds, computed."""

from __future__ import annotations

from benchmarks.profile_report import largest_layers, layers_table, profile_section, steps_table

STEPS = [
    {"step": "before", "change": "as it was", "statements": 12.0, "cpu_ms": 20.0, "requests": 1080,
     "http_cpu_ms": 24.0, "layers": {"Permission checks": 0.25, "Cache key": 0.75}},
    {"step": "after", "change": "snapshots", "statements": 0.0, "cpu_ms": 8.0, "requests": 1080,
     "http_cpu_ms": None, "layers": {"Cache key": 0.5, "Event logging": 0.5}},
]  # fmt: skip


def test_each_step_shows_its_statements_and_cpu_in_process_and_through_gunicorn() -> None:
    rows = steps_table(STEPS)
    assert rows[2] == "| before | as it was | 12 | 20.0 | 24.0 |"
    assert rows[3] == "| after | snapshots | 0 | 8.0 | not measured |"


def test_a_layers_milliseconds_are_its_share_of_the_steps_cpu() -> None:
    rows = layers_table(STEPS)
    assert rows[0] == "| Layer | before: ms (share) | after: ms (share) |"
    assert rows[2:] == [
        "| Permission checks | 5.00 (25%) | 0.00 (0%) |",
        "| Cache key | 15.00 (75%) | 4.00 (50%) |",
        "| Event logging | 0.00 (0%) | 4.00 (50%) |",
        "| all | 20.00 (100%) | 8.00 (100%) |",
    ]


def test_without_results_the_section_says_how_to_get_them() -> None:
    assert profile_section(None)[0] == "Not profiled yet: `python -m benchmarks.profile`."
    section = "\n".join(profile_section({"command": "python -m benchmarks.profile", "date": "2026-11-30",
                                         "rounds": 3, "http_requests": 360, "steps": STEPS}))  # fmt: skip
    assert "360 times per round, 3 interleaved rounds per step" in section


def test_the_largest_layers_left_are_named_with_their_milliseconds() -> None:
    assert largest_layers(STEPS[0], count=1) == ["Largest after before: Cache key (15.0 ms).", ""]
    assert largest_layers({"step": "x", "cpu_ms": 1.0}) == []
