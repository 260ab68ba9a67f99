"""What a day-2 command did: its steps with durations, the figures it measured, its problems.

Written as report.json (for machines: schedules, dashboards, a CI artefact) and report.md (for
people) into one folder per run, by default `reports/<command>-<stack>-<UTC timestamp>/`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from superset_stack.ops.waiting import Clock

Status = Literal["running", "ok", "failed", "interrupted", "waiting"]


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class Report:
    """Filled in while a command runs; `status` ends as ok, failed, interrupted or waiting (for you)."""

    command: str
    stack: str
    region: str
    started: datetime
    clock: Clock = field(default_factory=Clock, repr=False)
    status: Status = "running"
    finished: datetime | None = None
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    next_actions: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)  # more lists for the Markdown

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Time a step; it is recorded as failed when the block raises (the error goes on)."""
        began = self.clock.monotonic()
        step = Step(name, ok=False, seconds=0.0)
        self.steps.append(step)
        try:
            yield step
            step.ok = True
        except BaseException as error:
            step.detail = step.detail or str(error) or type(error).__name__
            raise
        finally:
            step.seconds = round(self.clock.monotonic() - began, 1)

    def finish(self, status: Status, problem: str | None = None) -> None:
        self.status = status
        self.finished = self.clock.now()
        if problem:
            self.problems.append(problem)

    def as_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "stack": self.stack,
            "region": self.region,
            "status": self.status,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "steps": [vars(step) for step in self.steps],
            "facts": self.facts,
            "problems": self.problems,
            "next_actions": self.next_actions,
        }

    def markdown(self) -> str:
        lines = [
            f"# {self.command} on stack {self.stack} ({self.region}): {self.status}",
            "",
            f"Started {self.started:%Y-%m-%d %H:%M:%S} UTC"
            + (f", finished {self.finished:%H:%M:%S} UTC." if self.finished else "."),
            "",
            "| step | result | seconds | detail |",
            "|---|---|---:|---|",
            *(
                f"| {_cell(s.name)} | {'ok' if s.ok else 'FAILED'} | {s.seconds:.1f} | {_cell(s.detail)} |"
                for s in self.steps
            ),
        ]
        if self.facts:
            lines += ["", "| figure | value |", "|---|---|"]
            lines += [f"| {key} | {_cell(_text(value))} |" for key, value in self.facts.items()]
        for title, items in (
            ("Problems", self.problems),
            ("Next", self.next_actions),
            *self.sections.items(),
        ):
            if items:
                lines += ["", f"## {title}", "", *(f"- {item}" for item in items)]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        json_path, markdown_path = directory / "report.json", directory / "report.md"
        json_path.write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n")
        markdown_path.write_text(self.markdown())
        return json_path, markdown_path


def default_directory(command: str, stack: str, moment: datetime) -> Path:
    return Path("reports") / f"{command}-{stack}-{moment:%Y%m%dT%H%M%SZ}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
