"""Where the Superset runtime virtualenv is, for tests that run real Superset code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
CONFIG = SOURCE / "superset_stack" / "runtime" / "superset_config.py"


def runtime_python() -> Path:
    """The runtime's python; in CI a missing runtime fails the test instead of skipping it."""
    python = Path(os.environ.get("SUPERSET_STACK_RUNTIME", ROOT / ".venv-superset")) / "bin" / "python"
    if not python.exists():
        message = f"Superset runtime not installed at {python.parent.parent}; run `make runtime`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python
