"""verify and reencrypt refuse a broken environment before loading Superset (the rest runs on the twin:
tests/e2e/test_verify.py and test_rotation.py)."""

from __future__ import annotations

import pytest

from superset_stack.contract import parse
from superset_stack.runtime import reencrypt, verify
from superset_stack.runtime.entrypoint import command
from tests.unit.test_contract import AWS


def test_the_entrypoint_runs_verify() -> None:
    assert command("verify", parse(AWS), python="py") == ["py", "-m", "superset_stack.runtime.verify"]


def test_verify_stops_on_a_broken_contract(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {**AWS, "DATABASE_HOST": ""}.items():
        monkeypatch.setenv(name, value)
    assert verify.main() == 2
    assert "DATABASE_HOST: required (metadata database host) but not set" in capsys.readouterr().err


def test_reencrypt_needs_the_previous_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SUPERSET_PREVIOUS_SECRET_KEY", raising=False)
    assert reencrypt.main() == 2
    assert capsys.readouterr().err == (
        "Superset environment contract broken:\n"
        "  - SUPERSET_PREVIOUS_SECRET_KEY: required to re-encrypt (the key rotated away from)\n"
    )
