"""The bootstrap admin under each sign-in type: enabled with database sign-in, disabled under single
sign-on, enabled again when authType goes back to database (break-glass)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from superset_stack.contract import parse
from superset_stack.runtime.bootstrap import admin_active
from tests.unit.test_contract import AWS, LDAP, OIDC


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
