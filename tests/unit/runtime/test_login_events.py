"""Login events: one JSON line per sign-in and per refused one, with the user name, the door and the
client address the proxy fix trusts; the security manager's answers unchanged."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from superset_stack.runtime import login_events
from superset_stack.runtime.login_events import API_LOGIN_PATH, LONGEST_NAME, with_login_events

AUTH_DB, AUTH_LDAP, AUTH_OAUTH = 1, 2, 4  # flask_appbuilder.const


@dataclass
class User:
    id: int
    username: str


class FabLike:
    """What the mixin relies on in Flask-AppBuilder's security manager: update_user_auth_stat calls
    on_user_login for an accepted user; auth_user_db/_ldap answer the user or None."""

    auth_type = AUTH_DB

    def __init__(self) -> None:
        self.users = {"alice": (User(7, "alice"), "right")}
        self.accepted: list[str] = []

    def on_user_login(self, user: User) -> None:
        self.accepted.append(user.username)

    def auth_user_db(self, username: str, password: str) -> User | None:
        user, known = self.users.get(username, (None, None))
        if user is None or password != known:
            return None
        self.on_user_login(user)
        return user

    auth_user_ldap = auth_user_db

    def auth_user_oauth(self, userinfo: dict[str, str]) -> User:
        user = self.users[userinfo["username"]][0]
        self.on_user_login(user)
        return user


@pytest.fixture
def events() -> Iterator[io.StringIO]:
    (handler,) = login_events.logger.handlers
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    yield stream
    handler.setStream(previous)  # type: ignore[attr-defined]


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def behind_the_load_balancer(manager: Any) -> Flask:
    """Both password doors, the OAuth callback, and ProxyFix as superset_config.py sets it up."""
    app = Flask("probe")
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0, x_port=1, x_prefix=0)  # type: ignore[method-assign]

    @app.post("/login/")
    def form() -> Any:
        return jsonify(bool(manager.auth_user_db(request.form["username"], request.form["password"])))

    @app.post(API_LOGIN_PATH)
    def api() -> Any:
        body = request.get_json()
        return jsonify(bool(manager.auth_user_db(body["username"], body["password"])))

    @app.get("/oauth-authorized/sso")
    def sso() -> Any:
        return jsonify(manager.auth_user_oauth({"username": request.args["user"]}).id)

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.66, 198.51.100.4"}  # a client's claim, then the ALB's entry


def test_every_door_logs_success_and_failure_with_the_trusted_client_address(events: io.StringIO) -> None:
    manager = with_login_events(FabLike)()
    client = behind_the_load_balancer(manager).test_client()
    answers = [
        client.post("/login/", data={"username": "alice", "password": "right"}, headers=FORWARDED).json,
        client.post("/login/", data={"username": "alice", "password": "wrong"}, headers=FORWARDED).json,
        client.post(
            API_LOGIN_PATH, json={"username": "mallory", "password": "guess"}, headers=FORWARDED
        ).json,
        client.post(API_LOGIN_PATH, json={"username": "alice", "password": "right"}).json,
    ]
    assert answers == [True, False, False, True]  # the manager's answers are unchanged
    assert manager.accepted == ["alice", "alice"]
    client_ip = "198.51.100.4"
    assert lines(events) == [
        {"event": "login", "outcome": "success", "user": "alice", "method": "form", "client": client_ip,
         "user_id": 7},
        {"event": "login", "outcome": "failure", "user": "alice", "method": "form", "client": client_ip},
        {"event": "login", "outcome": "failure", "user": "mallory", "method": "api", "client": client_ip},
        {"event": "login", "outcome": "success", "user": "alice", "method": "api", "client": "127.0.0.1",
         "user_id": 7},
    ]  # fmt: skip


def test_single_sign_on_is_sso_and_ldap_failures_count_too(events: io.StringIO) -> None:
    oauth = with_login_events(type("OAuthLike", (FabLike,), {"auth_type": AUTH_OAUTH}))()
    assert behind_the_load_balancer(oauth).test_client().get("/oauth-authorized/sso?user=alice").json == 7
    ldap = with_login_events(type("LdapLike", (FabLike,), {"auth_type": AUTH_LDAP}))()
    with Flask("probe").test_request_context("/login/", environ_base={"REMOTE_ADDR": "192.0.2.9"}):
        assert ldap.auth_user_ldap("bob", "guess") is None
    assert [(e["outcome"], e["user"], e["method"], e["client"]) for e in lines(events)] == [
        ("success", "alice", "sso", "127.0.0.1"),
        ("failure", "bob", "form", "192.0.2.9"),
    ]


def test_an_empty_name_is_no_attempt_and_a_long_one_is_cut(events: io.StringIO) -> None:
    manager = with_login_events(FabLike)()
    with Flask("probe").test_request_context("/login/"):
        manager.auth_user_db("", "x")
        manager.auth_user_db("x" * 10_000, "y")
    (event,) = lines(events)
    assert len(event["user"]) == LONGEST_NAME
    assert event["client"] is None  # a request without a peer: a test context, not a client


def test_outside_a_request_the_event_has_no_client(events: io.StringIO) -> None:
    manager = with_login_events(FabLike)()
    assert manager.auth_user_db("alice", "right") == User(7, "alice")
    assert lines(events) == [
        {
            "event": "login",
            "outcome": "success",
            "user": "alice",
            "method": "form",
            "client": None,
            "user_id": 7,
        }
    ]


def test_the_class_keeps_its_base_and_says_so_in_its_name() -> None:
    subclass = with_login_events(FabLike)
    assert issubclass(subclass, FabLike)
    assert subclass.__name__ == "LoginEventsFabLike"


def test_events_ignore_the_root_loggers_level_and_format() -> None:
    assert login_events.logger.propagate is False
    assert login_events.logger.level == 20  # INFO, whatever LOG_LEVEL makes the root
    (handler,) = login_events.logger.handlers
    assert handler.formatter is not None and handler.formatter._fmt == "%(message)s"
