"""How people sign in: Superset's (Flask-AppBuilder's) configuration from the contract's AUTH_,
OIDC_ and LDAP_ variables.

- database: Superset's own users and passwords (the default); nobody registers themselves.
- oidc: one OpenID Connect provider through authlib. Its endpoints and signing keys come from
  `<issuer>/.well-known/openid-configuration`; the authorization-code flow with PKCE (S256), a
  state bound to the session and a nonce bound to the ID token (authlib checks both, and the ID
  token's signature, issuer, audience and expiry).
- ldap: a directory over ldaps://, or ldap:// upgraded with StartTLS before any bind; the
  certificate's chain and host name are verified (TLS demand, against LDAP_CA_FILE when set). A
  service account searches for the user, whose own password is then checked with a bind.

With oidc or ldap a user is created at their first sign-in (AUTH_USER_REGISTRATION, with no form
anyone could fill in: sso.py), with the roles their groups map to in AUTH_ROLES_MAPPING, or the
default role, or not at all (sso.py refuses a user with no role). The security manager for these
is `sso.SsoSecurityManager`; superset_config.py picks it.

Imports nothing from Superset, so the unit tests build these dictionaries without the runtime.
"""

from __future__ import annotations

from typing import Any

from superset_stack.contract import AuthRuntime

# flask_appbuilder.const (tests/integration/runtime/test_auth.py checks them against it)
AUTH_DB, AUTH_LDAP, AUTH_OAUTH = 1, 2, 4
# A directory that does not answer must not hold a gunicorn thread past the worker timeout.
LDAP_TIMEOUT_SECONDS = 10


def auth_config(auth: AuthRuntime) -> dict[str, Any]:
    """The AUTH_*, OAUTH_PROVIDERS and AUTH_LDAP_* settings of superset_config.py."""
    if auth.type == "oidc":
        return {**_single_sign_on(auth), **_oidc(auth)}
    if auth.type == "ldap":
        return {**_single_sign_on(auth), **_ldap(auth)}
    return {"AUTH_TYPE": AUTH_DB, "AUTH_USER_REGISTRATION": False}


def _single_sign_on(auth: AuthRuntime) -> dict[str, Any]:
    return {
        # users are created at their first sign-in through the identity provider (and only so: sso.py)
        "AUTH_USER_REGISTRATION": True,
        # here: the role of a user in no mapped group; None refuses them (sso.py)
        "AUTH_USER_REGISTRATION_ROLE": auth.default_role or None,
        "AUTH_ROLES_MAPPING": {group: list(roles) for group, roles in auth.roles_mapping.items()},
        "AUTH_ROLES_SYNC_AT_LOGIN": auth.roles_sync_at_login,
        # the login page offers no "Register" button: there is nothing to register with
        "COMMON_BOOTSTRAP_OVERRIDES_FUNC": without_registration_button,
        # Superset 6.1.0 reads it for every page once registration is on (except with OAuth) and has
        # no default: the login page answered 500 under LDAP. There is no form to protect with it.
        "RECAPTCHA_PUBLIC_KEY": "",
    }


def without_registration_button(bootstrap: dict[str, Any]) -> dict[str, Any]:
    """Superset's page data with registration switched off for the login page's eyes only."""
    return {"conf": {**bootstrap.get("conf", {}), "AUTH_USER_REGISTRATION": False}}


def _oidc(auth: AuthRuntime) -> dict[str, Any]:
    issuer = auth.oidc_issuer.rstrip("/")
    return {
        "AUTH_TYPE": AUTH_OAUTH,
        "OAUTH_PROVIDERS": [
            {
                "name": auth.oidc_provider_name,
                "icon": "fa-key",
                "token_key": "access_token",
                # ours, read by sso.py (Flask-AppBuilder passes only remote_app to authlib)
                "groups_claim": auth.oidc_groups_claim,
                "username_claim": auth.oidc_username_claim,
                "remote_app": {
                    "client_id": auth.oidc_client_id,
                    "client_secret": auth.oidc_client_secret,
                    "server_metadata_url": f"{issuer}/.well-known/openid-configuration",
                    "client_kwargs": {"scope": " ".join(auth.oidc_scopes), "code_challenge_method": "S256"},
                },
            }
        ],
    }


def _ldap(auth: AuthRuntime) -> dict[str, Any]:
    config: dict[str, Any] = {
        "AUTH_TYPE": AUTH_LDAP,
        "AUTH_LDAP_SERVER": auth.ldap_server_url,
        "AUTH_LDAP_USE_TLS": auth.ldap_start_tls,
        # verify the chain and the host name; never accept a self-signed certificate
        "AUTH_LDAP_TLS_DEMAND": True,
        "AUTH_LDAP_ALLOW_SELF_SIGNED": False,
        "AUTH_LDAP_BIND_USER": auth.ldap_bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": auth.ldap_bind_password,
        "AUTH_LDAP_SEARCH": auth.ldap_user_search_base,
        "AUTH_LDAP_SEARCH_FILTER": auth.ldap_user_search_filter,
        "AUTH_LDAP_UID_FIELD": auth.ldap_uid_field,
        "AUTH_LDAP_GROUP_FIELD": auth.ldap_group_field,
        # ours, read by sso.py: a group search for directories without memberOf
        "AUTH_LDAP_GROUP_SEARCH_BASE": auth.ldap_group_search_base,
        "AUTH_LDAP_GROUP_SEARCH_FILTER": auth.ldap_group_search_filter,
        "AUTH_LDAP_TIMEOUT_SECONDS": LDAP_TIMEOUT_SECONDS,
    }
    if auth.ldap_ca_file:
        config["AUTH_LDAP_TLS_CACERTFILE"] = auth.ldap_ca_file
    return config
