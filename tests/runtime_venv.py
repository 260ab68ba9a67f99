"""Where the Superset runtime virtualenv is, for tests that run real Superset code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.missing import missing

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
CONFIG = SOURCE / "superset_stack" / "runtime" / "superset_config.py"


def runtime_python() -> Path:
    """The runtime's python; in CI a missing runtime fails the test instead of skipping it."""
    python = Path(os.environ.get("SUPERSET_STACK_RUNTIME", ROOT / ".venv-superset")) / "bin" / "python"
    if not python.exists():
        missing(f"Superset runtime not installed at {python.parent.parent}; run `make runtime`")
    return python


def run_script(script: str, *args: str, timeout: int = 120) -> tuple[dict[str, Any], str]:
    """Run `script` with the runtime's python (our sources importable): the JSON its last line
    printed, and what it wrote to stderr."""
    result = subprocess.run(
        [str(runtime_python()), "-c", script, *args],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE)},
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome, result.stderr
