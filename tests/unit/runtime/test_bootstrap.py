"""The bootstrap: it refuses, before it connects, an environment it cannot converge the app role
with (the convergence itself runs against real PostgreSQL: tests/integration/runtime/
test_app_role.py); and the bootstrap admin under each sign-in type: enabled with database sign-in,
disabled under single sign-on, enabled again when authType goes back to database (break-glass)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from superset_stack.contract import parse
from superset_stack.runtime import bootstrap
from superset_stack.runtime.bootstrap import admin_active
from tests.unit.test_contract import AWS, LDAP, MIGRATION, OIDC


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


@dataclass
class User:
    active: bool


@dataclass
class Security:
    """What admin_active uses of Flask-AppBuilder's security manager."""

    user: User
    updates: list[bool] = field(default_factory=list)

    def find_user(self, username: str) -> User:
        assert username == "admin"
        return self.user

    def update_user(self, user: User) -> None:
        self.updates.append(user.active)


@pytest.mark.parametrize("sign_in", [OIDC, LDAP])
def test_single_sign_on_disables_the_admin_and_database_sign_in_enables_it_again(
    sign_in: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    security = Security(User(active=True))
    admin_active(security, parse({**AWS, **sign_in}))
    admin_active(security, parse({**AWS, **sign_in}))  # converged: nothing to write
    assert security.updates == [False]
    assert (
        f"admin user 'admin' disabled (people sign in through {sign_in['AUTH_TYPE']})"
        in capsys.readouterr().out
    )
    admin_active(security, parse(AWS))
    assert (security.user.active, security.updates) == (True, [False, True])
    assert "admin user 'admin' enabled" in capsys.readouterr().out
