"""runtime/auth.py: Flask-AppBuilder's sign-in settings from the contract, without Superset."""

from __future__ import annotations

from superset_stack.contract import parse
from superset_stack.runtime.auth import (
    AUTH_DB,
    AUTH_LDAP,
    AUTH_OAUTH,
    auth_config,
    without_registration_button,
)
from tests.unit.test_contract import AWS, LDAP, OIDC


def test_database_sign_in_registers_nobody() -> None:
    assert auth_config(parse(AWS).auth) == {"AUTH_TYPE": AUTH_DB, "AUTH_USER_REGISTRATION": False}


def test_oidc_discovers_the_provider_and_uses_pkce() -> None:
    config = auth_config(parse({**AWS, **OIDC, "OIDC_ISSUER": "https://idp.example.com/tenant/"}).auth)
    assert config["AUTH_TYPE"] == AUTH_OAUTH
    assert (config["AUTH_USER_REGISTRATION"], config["AUTH_USER_REGISTRATION_ROLE"]) == (True, None)
    assert config["AUTH_ROLES_MAPPING"] == {"admins": ["Admin"], "analysts": ["Alpha", "sql_lab"]}
    assert config["AUTH_ROLES_SYNC_AT_LOGIN"] is True
    assert config["OAUTH_PROVIDERS"] == [{
        "name": "sso", "icon": "fa-key", "token_key": "access_token", "groups_claim": "groups",
        "username_claim": "sub",
        "remote_app": {
            "client_id": "superset", "client_secret": "s3cret",
            "server_metadata_url": "https://idp.example.com/tenant/.well-known/openid-configuration",
            "client_kwargs": {"scope": "openid email profile", "code_challenge_method": "S256"},
        },
    }]  # fmt: skip


def test_ldap_demands_a_verified_certificate() -> None:
    config = auth_config(parse({**AWS, **LDAP, "LDAP_CA_FILE": "/etc/ssl/corp-ca.pem"}).auth)
    assert config["AUTH_TYPE"] == AUTH_LDAP
    assert config["AUTH_USER_REGISTRATION_ROLE"] == "Gamma"
    assert {key: config[key] for key in (
        "AUTH_LDAP_SERVER", "AUTH_LDAP_USE_TLS", "AUTH_LDAP_TLS_DEMAND", "AUTH_LDAP_ALLOW_SELF_SIGNED",
        "AUTH_LDAP_TLS_CACERTFILE", "AUTH_LDAP_BIND_USER", "AUTH_LDAP_BIND_PASSWORD", "AUTH_LDAP_SEARCH",
        "AUTH_LDAP_UID_FIELD", "AUTH_LDAP_GROUP_FIELD", "AUTH_LDAP_GROUP_SEARCH_BASE",
    )} == {
        "AUTH_LDAP_SERVER": "ldaps://ldap.example.com", "AUTH_LDAP_USE_TLS": False, "AUTH_LDAP_TLS_DEMAND": True,
        "AUTH_LDAP_ALLOW_SELF_SIGNED": False, "AUTH_LDAP_TLS_CACERTFILE": "/etc/ssl/corp-ca.pem",
        "AUTH_LDAP_BIND_USER": "cn=superset,dc=example,dc=com", "AUTH_LDAP_BIND_PASSWORD": "bind",
        "AUTH_LDAP_SEARCH": "ou=people,dc=example,dc=com", "AUTH_LDAP_UID_FIELD": "uid",
        "AUTH_LDAP_GROUP_FIELD": "memberOf", "AUTH_LDAP_GROUP_SEARCH_BASE": "",
    }  # fmt: skip
    # without LDAP_CA_FILE: the system's CA bundle (libldap's default), nothing set
    assert "AUTH_LDAP_TLS_CACERTFILE" not in auth_config(parse({**AWS, **LDAP}).auth)


def test_the_login_page_shows_no_register_button() -> None:
    page = {"conf": {"AUTH_TYPE": AUTH_LDAP, "AUTH_USER_REGISTRATION": True}, "locale": "en"}
    assert without_registration_button(page) == {
        "conf": {"AUTH_TYPE": AUTH_LDAP, "AUTH_USER_REGISTRATION": False}
    }
