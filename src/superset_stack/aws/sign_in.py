"""Sign-in settings as the container contract's AUTH_, OIDC_ and LDAP_ variables (contract.py).

Pure functions of the settings, for the task definitions (service.py): the plain values every
container gets, and the secrets only the web tasks read through ECS `secrets` valueFrom. With
database sign-in there are none: the contract's defaults are database sign-in.
"""

from __future__ import annotations

import json

from superset_stack.settings import Settings


def sign_in_environment(s: Settings) -> dict[str, str]:
    """Plain values (no secret) for every container; empty values are left to the contract."""
    if s.auth_type == "database":
        return {}
    values = {
        "AUTH_TYPE": s.auth_type,
        "AUTH_ROLES_MAPPING": json.dumps(
            {mapping.group: list(mapping.role_names) for mapping in s.auth_roles_mapping}, sort_keys=True
        ),
        "AUTH_ROLES_SYNC_AT_LOGIN": str(s.auth_roles_sync_at_login).lower(),
        "AUTH_DEFAULT_ROLE": s.auth_default_role,
    }
    if s.auth_type == "oidc":
        values |= {
            "OIDC_ISSUER": s.oidc_issuer,
            "OIDC_CLIENT_ID": s.oidc_client_id,
            "OIDC_SCOPES": " ".join(s.oidc_scopes),
            "OIDC_GROUPS_CLAIM": s.oidc_groups_claim,
            "OIDC_USERNAME_CLAIM": s.oidc_username_claim,
            "OIDC_PROVIDER_NAME": s.oidc_provider_name,
        }
    else:
        values |= {
            "LDAP_SERVER_URL": s.ldap_server_url,
            "LDAP_START_TLS": str(s.ldap_start_tls).lower(),
            "LDAP_BIND_DN": s.ldap_bind_dn,
            "LDAP_USER_SEARCH_BASE": s.ldap_user_search_base,
            "LDAP_USER_SEARCH_FILTER": s.ldap_user_search_filter,
            "LDAP_UID_FIELD": s.ldap_uid_field,
            "LDAP_GROUP_FIELD": s.ldap_group_field,
            "LDAP_GROUP_SEARCH_BASE": s.ldap_group_search_base,
            "LDAP_GROUP_SEARCH_FILTER": s.ldap_group_search_filter,
        }
    return {name: value for name, value in values.items() if value}


def sign_in_secret_arns(s: Settings) -> dict[str, str]:
    """Contract name -> Secrets Manager ARN of the secret the web tasks sign people in with."""
    if s.auth_type == "oidc":
        return {"OIDC_CLIENT_SECRET": s.oidc_client_secret_arn}
    if s.auth_type == "ldap":
        return {"LDAP_BIND_PASSWORD": s.ldap_bind_password_secret_arn}
    return {}
