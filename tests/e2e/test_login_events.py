"""Sign-ins on the twin reach the web log as JSON login events (runtime/login_events.py), at the login
form and at the JWT API, refused ones included: what the saved "logins" queries read on AWS."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import requests

from benchmarks.client import Api
from superset_stack.local.twin import Twin


def events_since(twin: Twin, start: int) -> list[dict[str, Any]]:
    text = (twin.logs / "web.log").read_bytes()[start:].decode(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"event": "login"')]


def form_login(base: str, username: str, password: str) -> int:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text)  # the page's hidden input
    assert token, page.text[:500]
    answer = session.post(f"{base}/login/", data={"username": username, "password": password,
                                                 "csrf_token": token[1]}, allow_redirects=False, timeout=30)  # fmt: skip
    return answer.status_code


def test_logins_at_the_form_and_the_api_are_logged_with_the_user_name(twin: Twin) -> None:
    base, password = twin.superset_url(), twin.secrets()["admin_password"]
    start = (twin.logs / "web.log").stat().st_size
    refused = requests.post(f"{base}/api/v1/security/login", timeout=30,
                            json={"username": "nobody", "password": "guess", "provider": "db"})  # fmt: skip
    assert refused.status_code == 401
    Api.login(base, "admin", password)
    assert form_login(base, "admin", "wrong") == 302  # back to the form
    assert form_login(base, "admin", password) == 302  # on to the app
    deadline = time.monotonic() + 10
    while len(found := events_since(twin, start)) < 4 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [(e["outcome"], e["user"], e["method"], e["client"]) for e in found] == [
        ("failure", "nobody", "api", "127.0.0.1"),
        ("success", "admin", "api", "127.0.0.1"),
        ("failure", "admin", "form", "127.0.0.1"),
        ("success", "admin", "form", "127.0.0.1"),
    ]
    assert all(isinstance(e["user_id"], int) for e in found if e["outcome"] == "success")
