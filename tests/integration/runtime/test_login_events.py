"""Login events in the real runtime: Superset with the security manager and proxy fix superset_config.py
sets up writes one JSON line per sign-in and per refused one, at the form and the API alike."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.runtime_venv import CONFIG, SOURCE, runtime_python
from tests.unit.test_contract import AWS

SCRIPT = """
import os, pathlib, sys
stack_config, home = sys.argv[1], pathlib.Path(sys.argv[2])
(home / "config.py").write_text(f'''
import importlib.util
spec = importlib.util.spec_from_file_location("stack_config", {stack_config!r})
stack = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stack)
# the stack's security manager and proxy fix (as on ECS), a throw-away database, no Redis
CUSTOM_SECURITY_MANAGER = stack.CUSTOM_SECURITY_MANAGER
ENABLE_PROXY_FIX = stack.ENABLE_PROXY_FIX
PROXY_FIX_CONFIG = stack.PROXY_FIX_CONFIG
SECRET_KEY = "k" * 64
SQLALCHEMY_DATABASE_URI = "sqlite:///{home}/superset.db"
WTF_CSRF_ENABLED = False
RATELIMIT_ENABLED = False
''')
os.environ["SUPERSET_CONFIG_PATH"] = str(home / "config.py")

def superset_with(username, password):  # Superset on the throw-away database, with one user
    from superset.app import create_app
    from superset.extensions import db
    app = create_app()
    with app.app_context():
        db.create_all()
        app.appbuilder.sm.add_user(username, "A", "L", f"{username}@example.com", [], password=password)
    return app

app = superset_with("alice", "right-password")
alb = {"X-Forwarded-For": "203.0.113.66, 198.51.100.4"}  # what a client claimed, then the ALB's entry
attempts = [  # (door, user name, password, headers): each from a fresh client, signed out
    ("/login/", "alice", "right-password", alb), ("/login/", "alice", "wrong", alb),
    ("/api/v1/security/login", "mallory", "guess", alb),
    ("/api/v1/security/login", "alice", "right-password", {"X-Forwarded-For": "192.0.2.7"}),
]
statuses = [
    app.test_client().post(door, headers=headers, **(
        {"data": {"username": user, "password": password}} if door == "/login/"
        else {"json": {"username": user, "password": password, "provider": "db"}}
    )).status_code
    for door, user, password, headers in attempts
]
print("statuses", statuses, file=sys.stderr)
"""


def login_lines(home: Path) -> list[str]:
    """Everything the real runtime writes to stderr while four people sign in: alice with the form
    (right, then wrong), mallory through the API (a name that does not exist), alice through the API."""
    result = subprocess.run(
        [str(runtime_python()), "-c", SCRIPT, str(CONFIG), str(home)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **AWS},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


def events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith('{"event": "login"')]


def test_each_sign_in_and_refusal_is_one_json_line_with_the_trusted_address(tmp_path: Path) -> None:
    lines = login_lines(tmp_path)
    # the form redirects (to the app, or back to itself), the API answers 200 with a token or 401
    assert "statuses [302, 302, 401, 200]" in lines
    assert events(lines) == [
        {"event": "login", "outcome": "success", "user": "alice", "method": "form", "client": "198.51.100.4",
         "user_id": 1},
        {"event": "login", "outcome": "failure", "user": "alice", "method": "form", "client": "198.51.100.4"},
        {"event": "login", "outcome": "failure", "user": "mallory", "method": "api", "client": "198.51.100.4"},
        {"event": "login", "outcome": "success", "user": "alice", "method": "api", "client": "192.0.2.7",
         "user_id": 1},
    ]  # fmt: skip
