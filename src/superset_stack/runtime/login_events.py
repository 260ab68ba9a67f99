"""Login events: every sign-in and every refused one as one JSON line in the web process's log.

Flask-AppBuilder logs no successful login, and its "Login Failed for user" line is an INFO of the
logger Superset silences (SILENCE_FAB), so on ECS nothing said who signed in, or who failed to.
`with_login_events(base)` returns the security manager `base` with two hooks where FAB decides:

- success: `on_user_login(user)`, FAB's audit hook, which `update_user_auth_stat` calls once a door
  accepted the user: the login form, the JWT login API, LDAP, OAuth and OpenID (SSO), remote user.
  Flask-Login's `user_logged_in` signal is not used: it misses the API (which issues tokens, not a
  session) and fires for Superset's own logins too (reports and thumbnails log in as their owner
  inside the worker, an embedded dashboard as anonymous).
- failure: `auth_user_db` and `auth_user_ldap` answering None, at the form and the API alike: a
  wrong password, an unknown or inactive user, an empty password. FAB's `on_user_login_failed`
  (from `update_user_auth_stat`) would see only wrong passwords of existing users, while guessing
  mostly tries names that do not exist. A refusal at an SSO provider never reaches Superset.

The event: {"event": "login", "outcome": "success" | "failure", "user": the user name (as typed
when it failed), "method": "form" | "api" | "sso", "client": the client address, "user_id" on
success}. The client address is the request's remote address: behind the load balancer, the one
ProxyFix (x_for=1) took from X-Forwarded-For, the entry the load balancer appended; whatever a client
wrote before it is not trusted. The lines go straight to stderr as whole JSON objects (CloudWatch
discovers their fields), whatever LOG_LEVEL says: an audit trail (aws/log_queries.py reads them).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TypeVar, cast

API_LOGIN_PATH = "/api/v1/security/login"  # FAB's SecurityApi.login: a JWT for name and password
PASSWORD_AUTH_TYPES = (1, 2)  # flask_appbuilder.const AUTH_DB, AUTH_LDAP: a form with a password
LONGEST_NAME = 256  # a user name as typed is the client's: no unbounded lines in the log

logger = logging.getLogger("superset_stack.logins")
Manager = TypeVar("Manager")


def _use_own_handler() -> None:
    """Whole JSON lines on stderr, independent of the root logger's level and format."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


_use_own_handler()


def login_event(outcome: str, user: str, method: str, client: str | None, **extra: Any) -> str:
    """One event as its JSON line."""
    event = {"event": "login", "outcome": outcome, "user": user[:LONGEST_NAME], "method": method,
             "client": client, **extra}  # fmt: skip
    return json.dumps(event, default=str)


def request_method(auth_type: int) -> str:
    """How the current request signs in: the JWT API, a password form, or single sign-on."""
    from flask import has_request_context, request

    if has_request_context() and request.path == API_LOGIN_PATH:
        return "api"
    return "form" if auth_type in PASSWORD_AUTH_TYPES else "sso"


def client_address() -> str | None:
    """The client's address as the proxy fix trusts it; None outside a request."""
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


class LoginEventsMixin:
    """Logs a login event where Flask-AppBuilder accepts or refuses a user (see the module)."""

    auth_type: int

    def on_user_login(self, user: Any) -> None:
        super().on_user_login(user)  # type: ignore[misc]
        self._log("success", str(user.username), user_id=user.id)

    def auth_user_db(self, username: str, password: str) -> Any:
        user = super().auth_user_db(username, password)  # type: ignore[misc]
        if user is None and username:  # FAB refuses an empty name before any check
            self._log("failure", str(username))
        return user

    def auth_user_ldap(self, username: str, password: str) -> Any:
        user = super().auth_user_ldap(username, password)  # type: ignore[misc]
        if user is None and username:
            self._log("failure", str(username))
        return user

    def _log(self, outcome: str, user: str, **extra: Any) -> None:
        logger.info(login_event(outcome, user, request_method(self.auth_type), client_address(), **extra))


def with_login_events(base: type[Manager]) -> type[Manager]:
    """`base` (a security manager class) with login events: a subclass named after it."""
    return cast(type[Manager], type(f"LoginEvents{base.__name__}", (LoginEventsMixin, base), {}))
