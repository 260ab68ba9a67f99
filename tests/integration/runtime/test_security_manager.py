"""NoAnonymousSecurityManager in the real runtime: both password doors share one rate-limit budget."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.runtime_venv import SOURCE, runtime_python

SCRIPT = """
import json, os, pathlib, sys
home = pathlib.Path(sys.argv[1])
(home / "config.py").write_text(f'''
from superset_stack.runtime.security_manager import NoAnonymousSecurityManager
SECRET_KEY = "k" * 64
SQLALCHEMY_DATABASE_URI = "sqlite:///{home}/superset.db"
CUSTOM_SECURITY_MANAGER = NoAnonymousSecurityManager
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "4 per minute"
RATELIMIT_ENABLED = True
WTF_CSRF_ENABLED = False
''')
os.environ["SUPERSET_CONFIG_PATH"] = str(home / "config.py")
from superset.app import create_app
from superset.extensions import db
app = create_app()
with app.app_context():
    db.create_all()
    app.appbuilder.sm.add_user("alice", "A", "L", "alice@example.com", [], password="right-password")
client = app.test_client()
def form(password, **kwargs):
    return client.post("/login/", data={"username": "alice", "password": password}, **kwargs).status_code
def api(password):
    body = {"username": "alice", "password": password, "provider": "db"}
    return client.post("/api/v1/security/login", json=body).status_code
print(json.dumps({
    "tries": [form("wrong"), api("wrong"), form("wrong"), api("wrong")],
    "after": [form("right-password"), api("right-password")],
    "another_address": form("wrong", environ_base={"REMOTE_ADDR": "192.0.2.7"}),
}))
"""


def test_the_login_form_and_the_login_api_share_one_budget_per_address(tmp_path: Path) -> None:
    # Superset 6.1.0 alone limits neither door: 8 wrong passwords in a row all reach the check.
    result = subprocess.run(
        [str(runtime_python()), "-c", SCRIPT, str(tmp_path)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE)},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # wrong passwords: the form redirects back to itself, the API answers 401
    assert outcome["tries"] == [302, 401, 302, 401]
    # the budget of 4 is spent across both doors: even the right password waits
    assert outcome["after"] == [429, 429]
    assert outcome["another_address"] == 302
