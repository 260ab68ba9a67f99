"""LDAP sign-in against Debian's slapd: the runtime's own configuration (contract -> auth.py ->
SsoSecurityManager) in a real Superset app, the directory over ldaps:// and over ldap:// with StartTLS.

One Superset app (SQLite metadata, in the runtime venv) signs people in through the login form;
between the cases only the directory's URL, the CA and the group lookup change (Flask-AppBuilder
reads them at each sign-in). The twin test (test_sign_in_ldap.py) takes the same path with
PostgreSQL, Redis and the browser.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.identity import SERVICE_DN, SUFFIX, Directory, Person, authority_in, ldap_directory
from tests.runtime_venv import SOURCE, runtime_python

PEOPLE = (
    Person("alice", "alice-password", ("superset-admins",)),
    Person("bob", "bob-password", ("analysts", "other")),
    Person("carol", "carol-password", ("other",)),
)
GROUPS = f"ou=groups,{SUFFIX}"

SCRIPT = """
import json, os, pathlib, sys
home = pathlib.Path(sys.argv[1])
cases = json.loads(sys.argv[2])
(home / "config.py").write_text(f'''
import os
from superset_stack.contract import parse
from superset_stack.runtime.auth import auth_config
from superset_stack.runtime.sso import SsoSecurityManager
globals().update(auth_config(parse(os.environ).auth))
CUSTOM_SECURITY_MANAGER = SsoSecurityManager
SECRET_KEY = "k" * 64
SQLALCHEMY_DATABASE_URI = "sqlite:///{home}/superset.db"
WTF_CSRF_ENABLED = False
RATELIMIT_ENABLED = False
''')
os.environ["SUPERSET_CONFIG_PATH"] = str(home / "config.py")
from superset.app import create_app
from superset.extensions import db
app = create_app()
with app.app_context():
    db.create_all()
    for name in ("Admin", "Alpha", "Gamma", "sql_lab"):  # as `superset init` names them
        app.appbuilder.sm.add_role(name)
results = []
for case in cases:
    app.config.update(case["config"])
    client = app.test_client()
    client.post("/login/", data={"username": case["username"], "password": case["password"]})
    with client.session_transaction() as session:  # Flask-Login keeps who signed in here
        signed_in_id = session.get("_user_id")
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=case["username"])
        roles = sorted(role.name for role in user.roles) if user else None
    signed_in = user is not None and signed_in_id == str(user.id)
    results.append({"signed_in": signed_in, "roles": roles})
print(json.dumps(results))
"""


def contract(directory: Directory, **changes: str) -> dict[str, str]:
    """The web task's environment for LDAP sign-in (as aws/sign_in.py and the contract name it)."""
    return {
        "SUPERSET_ENV": "local", "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088", "DATABASE_HOST": "127.0.0.1",
        "DATABASE_PORT": "5432", "DATABASE_DB": "superset", "DATABASE_USER": "superset",
        "DATABASE_AUTH": "password", "DATABASE_PASSWORD": "unused", "DATABASE_SSLMODE": "disable",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379", "REDIS_TLS": "false", "SUPERSET_SECRET_KEY": "k" * 64,
        "SERVER_WORKER_AMOUNT": "1", "SERVER_THREADS_AMOUNT": "1", "SUPERSET_PROCESS": "web",
        "AUTH_TYPE": "ldap",
        "AUTH_ROLES_MAPPING": json.dumps({f"cn=superset-admins,{GROUPS}": ["Admin"],
                                          f"cn=analysts,{GROUPS}": ["Alpha", "sql_lab"]}),
        "LDAP_SERVER_URL": directory.ldaps_url, "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD": directory.service_password, "LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
        "LDAP_USER_SEARCH_FILTER": "(objectClass=inetOrgPerson)", "LDAP_CA_FILE": str(directory.ca_file),
        **changes,
    }  # fmt: skip


def sign_ins(
    tmp_path: Path, environment: dict[str, str], cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    home = tmp_path / "superset"
    home.mkdir()
    result = subprocess.run(
        [str(runtime_python()), "-c", SCRIPT, str(home), json.dumps(cases)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **environment},
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    outcome: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def case(username: str, password: str | None = None, **config: Any) -> dict[str, Any]:
    return {"username": username, "password": password or f"{username}-password", "config": config}


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with ldap_directory(tmp_path_factory.mktemp("slapd"), people=PEOPLE) as running:
        yield running


def test_groups_give_roles_and_wrong_passwords_or_unmapped_people_are_refused(
    directory: Directory, tmp_path: Path
) -> None:
    outcome = sign_ins(tmp_path, contract(directory), [
        case("alice", "not-her-password"),  # wrong password: refused, and not created
        case("alice"),
        case("bob"),
        case("carol"),  # in no mapped group, no default role: refused, never created
        case("nobody", "whatever"),
    ])  # fmt: skip
    assert outcome == [
        {"signed_in": False, "roles": None},
        {"signed_in": True, "roles": ["Admin"]},
        {"signed_in": True, "roles": ["Alpha", "sql_lab"]},
        {"signed_in": False, "roles": None},
        {"signed_in": False, "roles": None},
    ]


def test_a_default_role_lets_unmapped_people_in_and_group_search_replaces_member_of(
    directory: Directory, tmp_path: Path
) -> None:
    # the group search finds the same groups memberOf lists (for directories without the overlay)
    search = {"AUTH_LDAP_GROUP_SEARCH_BASE": GROUPS, "AUTH_LDAP_GROUP_FIELD": "groupsFound"}
    outcome = sign_ins(tmp_path, contract(directory, AUTH_DEFAULT_ROLE="Gamma"), [
        case("carol"), case("bob", **search), case("alice", **search),
    ])  # fmt: skip
    assert outcome == [
        {"signed_in": True, "roles": ["Gamma"]},
        {"signed_in": True, "roles": ["Alpha", "sql_lab"]},
        {"signed_in": True, "roles": ["Admin"]},
    ]


def test_start_tls_and_the_certificate_is_verified(directory: Directory, tmp_path: Path) -> None:
    stranger = authority_in(tmp_path / "another-ca").certificate_file
    outcome = sign_ins(tmp_path, contract(directory), [
        # ldap:// upgraded with StartTLS before the bind (the server refuses plain binds)
        case("bob", AUTH_LDAP_SERVER=directory.ldap_url, AUTH_LDAP_USE_TLS=True),
        # a certificate from a CA the runtime does not trust: refused, over ldaps and over StartTLS
        case("alice", AUTH_LDAP_SERVER=directory.ldaps_url, AUTH_LDAP_USE_TLS=False,
             AUTH_LDAP_TLS_CACERTFILE=str(stranger)),
        case("alice", AUTH_LDAP_SERVER=directory.ldap_url, AUTH_LDAP_USE_TLS=True,
             AUTH_LDAP_TLS_CACERTFILE=str(stranger)),
        # the right CA, but a host name the certificate does not carry: refused
        case("alice", AUTH_LDAP_SERVER=directory.wrong_host_url, AUTH_LDAP_USE_TLS=False,
             AUTH_LDAP_TLS_CACERTFILE=str(directory.ca_file)),
        # and the same server by its name: in
        case("alice", AUTH_LDAP_SERVER=directory.ldaps_url),
    ])  # fmt: skip
    assert outcome == [
        {"signed_in": True, "roles": ["Alpha", "sql_lab"]},
        {"signed_in": False, "roles": None},
        {"signed_in": False, "roles": None},
        {"signed_in": False, "roles": None},
        {"signed_in": True, "roles": ["Admin"]},
    ]
    # the refusal at 127.0.0.2 is the name check's: the server answers there to a client that skips it
    unchecked = subprocess.run(
        ["ldapwhoami", "-x", "-H", directory.wrong_host_url, "-D", directory.user_dn("alice"), "-w", "alice-password"],
        env={**os.environ, "LDAPTLS_CACERT": str(directory.ca_file), "LDAPTLS_REQCERT": "never"},
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert unchecked.stdout.strip() == f"dn:{directory.user_dn('alice')}", unchecked.stderr
