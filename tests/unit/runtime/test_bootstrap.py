"""The bootstrap refuses, before it connects, an environment it cannot converge the app role with
(the convergence itself runs against real PostgreSQL: tests/integration/runtime/test_app_role.py)."""

from __future__ import annotations

import pytest

from superset_stack.contract import parse
from superset_stack.runtime import bootstrap
from tests.unit.test_contract import AWS, MIGRATION


def test_the_migration_tasks_environment_is_enough() -> None:
    assert bootstrap.bootstrap_problems(parse({**MIGRATION, "SUPERSET_ADMIN_PASSWORD": "admin-pass"})) == []


def test_a_web_tasks_environment_is_refused_with_every_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    assert bootstrap.main() == 2
    assert capsys.readouterr().err.splitlines() == [
        "SUPERSET_ADMIN_PASSWORD: required by bootstrap (there is no default password)",
        "DATABASE_AUTH: the bootstrap logs in with the master user's password, got 'iam'",
        "DATABASE_APP_USER: required by bootstrap (the role web, worker and beat log in as)",
    ]


def test_the_app_role_is_not_the_user_the_bootstrap_logs_in_as() -> None:
    runtime = parse({**MIGRATION, "SUPERSET_ADMIN_PASSWORD": "x", "DATABASE_APP_USER": "superset_admin"})
    assert bootstrap.bootstrap_problems(runtime) == [
        "DATABASE_APP_USER: the bootstrap logs in as the master user to create and converge the app role, "
        "so they must differ; both are 'superset_admin'"
    ]
