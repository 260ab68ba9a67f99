"""SsoSecurityManager and auth.py in the real runtime (Superset 6.1.0, Flask-AppBuilder 5.3.0): no
registration form, roles or refusal, and the OpenID Connect user info.

The sign-ins themselves, against real identity providers, are in tests/e2e (test_sign_in_oidc.py,
test_sign_in_ldap.py, test_ldap_directory.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.runtime_venv import SOURCE, runtime_python
from tests.unit.test_contract import AWS, LDAP, OIDC

SCRIPT = """
import json, os, pathlib, sys
home = pathlib.Path(sys.argv[1])
(home / "config.py").write_text(f'''
import os
from superset_stack.contract import parse
from superset_stack.runtime.auth import auth_config
from superset_stack.runtime.sso import SsoSecurityManager
globals().update(auth_config(parse(os.environ).auth))
CUSTOM_SECURITY_MANAGER = SsoSecurityManager
SECRET_KEY = "k" * 64
SQLALCHEMY_DATABASE_URI = "sqlite:///{home}/superset.db"
''')
os.environ["SUPERSET_CONFIG_PATH"] = str(home / "config.py")
import flask_appbuilder.const as fab
from superset.app import create_app
from superset.extensions import db
from superset_stack.runtime import auth
app = create_app()
out = {"constants": [fab.AUTH_DB, fab.AUTH_LDAP, fab.AUTH_OAUTH] == [auth.AUTH_DB, auth.AUTH_LDAP, auth.AUTH_OAUTH]}
with app.app_context():
    db.create_all()
    sm = app.appbuilder.sm
    for name in ("Admin", "Alpha", "Gamma", "sql_lab"):
        sm.add_role(name)
    out["roles"] = {group: sorted(r.name for r in sm.roles_of([group])) for group in ("admins", "analysts", "nobody")}
    out["no_role_user"] = sm.add_user("ghost", "G", "H", "ghost@example.org", [])
    if os.environ["AUTH_TYPE"] == "oidc":
        def info(claims, userinfo=None):
            sm.oauth_remotes["sso"].userinfo = lambda token: userinfo
            try:
                return sm.oauth_user_info("sso", {"userinfo": claims, "access_token": "a"})
            except ValueError as error:
                return str(error)
        out["info"] = [
            info({"sub": "s1", "email": "a@example.org", "groups": "admins", "given_name": "A"}),
            info({"sub": "s1"}, {"sub": "s1", "groups": ["analysts"], "email": "a@example.org"}),
            info({"sub": "s1"}, {"sub": "s2", "groups": ["admins"]}),
            info({}),
        ]
client = app.test_client()
out["pages"] = {path: client.get(path).status_code for path in ("/register/", "/register/form")}
print(json.dumps(out))
"""


def run(tmp_path: Path, environment: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [str(runtime_python()), "-c", SCRIPT, str(tmp_path)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **AWS, "SUPERSET_ENV": "local",
             "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088", "SUPERSET_PROCESS": "web", **environment},
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def test_oidc_user_info_roles_and_no_registration(tmp_path: Path) -> None:
    outcome = run(tmp_path, OIDC)
    assert outcome["constants"] is True
    # mapped roles; nobody in a mapped group and no default role: no role, and no user is created
    assert outcome["roles"] == {"admins": ["Admin"], "analysts": ["Alpha", "sql_lab"], "nobody": []}
    assert outcome["no_role_user"] is None
    assert outcome["info"] == [
        # the validated ID token's claims; a single group as a string is a list of one
        {
            "username": "s1",
            "email": "a@example.org",
            "first_name": "A",
            "last_name": "",
            "role_keys": ["admins"],
        },
        # no groups claim in the ID token: from the userinfo endpoint, for the same subject
        {
            "username": "s1",
            "email": "a@example.org",
            "first_name": "",
            "last_name": "",
            "role_keys": ["analysts"],
        },
        "the userinfo endpoint answered for another subject",
        "no validated ID token in the token response",
    ]
    # no registration page or form (Superset's or Flask-AppBuilder's)
    assert outcome["pages"] == {"/register/": 404, "/register/form": 404}


def test_ldap_default_role_and_no_registration(tmp_path: Path) -> None:
    outcome = run(tmp_path, {**LDAP, "AUTH_ROLES_MAPPING": json.dumps({"admins": ["Admin"]})})
    assert outcome["roles"] == {"admins": ["Admin"], "analysts": ["Gamma"], "nobody": ["Gamma"]}
    assert outcome["pages"] == {"/register/": 404, "/register/form": 404}


def test_superset_config_takes_the_sign_in_section_from_the_contract() -> None:
    from tests.integration.runtime.test_superset_config import config_for

    config = config_for({**AWS, **OIDC, "SUPERSET_PROCESS": "web"})
    assert (config["AUTH_TYPE"], config["AUTH_USER_REGISTRATION"]) == (4, True)
    assert config["OAUTH_PROVIDERS"][0]["remote_app"]["client_id"] == "superset"
    # Superset 6.1.0's pages need it once registration is on; the login page answered 500 without it
    # (test_sign_in_ldap.py renders that page)
    assert config["RECAPTCHA_PUBLIC_KEY"] == ""
    database = config_for(AWS)
    assert (database["AUTH_TYPE"], database["AUTH_USER_REGISTRATION"]) == (1, False)
