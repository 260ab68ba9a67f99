"""Sign-in settings: each authType's own settings present and well-formed, none of another type,
roles `superset init` creates, an https issuer, TLS to the directory, full secret ARNs, a way out."""

from __future__ import annotations

from typing import Any

import pytest

from superset_stack.settings import SettingsError
from tests.conftest import make_settings

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/sign-in-Ab12Cd"
MAPPING = [{"group": "superset-admins", "roles": "Admin"}, {"group": "analysts", "roles": "Alpha, sql_lab"}]
OIDC: dict[str, Any] = {
    "authType": "oidc",
    "oidcIssuer": "https://example.okta.com/oauth2/default",
    "oidcClientId": "0oa1example",
    "oidcClientSecretArn": SECRET,
    "authRolesMapping": MAPPING,
}
LDAP: dict[str, Any] = {
    "authType": "ldap",
    "ldapServerUrl": "ldaps://ldap.example.com",
    "ldapBindDn": "cn=superset,ou=services,dc=example,dc=com",
    "ldapBindPasswordSecretArn": SECRET,
    "ldapUserSearchBase": "ou=people,dc=example,dc=com",
    "authRolesMapping": MAPPING,
    "egressDestinations": [{"description": "LDAP", "port": 636, "cidr": "10.1.0.0/24"}],
}


def problems(preset: str = "staging", **values: Any) -> list[str]:
    try:
        make_settings(preset, **values)
    except SettingsError as error:
        return list(error.problems)
    return []


def test_well_formed_sign_in_settings_pass() -> None:
    assert problems(**OIDC) == []
    assert problems(**LDAP) == []
    start_tls = {"ldapServerUrl": "ldap://ldap.example.com", "ldapStartTls": True,
                 "egressDestinations": [{"description": "LDAP", "port": 389, "cidr": "10.1.0.0/24"}]}  # fmt: skip
    assert problems(**{**LDAP, **start_tls}) == []
    # a default role alone is enough: everyone who signs in gets it (Google Workspace, no groups)
    assert problems(**{**OIDC, "authRolesMapping": []}, authDefaultRole="Admin") == []


def test_one_stack_signs_in_one_way() -> None:
    assert problems(**OIDC, ldapBindDn="cn=x") == [
        "ldapBindDn: is read only with authType ldap; authType is oidc"
    ]
    assert problems(**LDAP, oidcClientId="x") == [
        "oidcClientId: is read only with authType oidc; authType is ldap"
    ]
    # database sign-in ignores them: switching back to it is one setting (break-glass)
    assert problems(**{**OIDC, "authType": "database"}) == []


def test_oidc_needs_an_https_issuer_a_client_and_its_secret_as_a_full_arn() -> None:
    assert problems(authType="oidc", authRolesMapping=MAPPING) == [
        "oidcIssuer: required; set it with `pulumi config set oidcIssuer <value>`",
        "oidcClientId: required; set it with `pulumi config set oidcClientId <value>`",
        "oidcClientSecretArn: required; set it with `pulumi config set oidcClientSecretArn <value>`",
    ]
    assert problems(**{**OIDC, "oidcIssuer": "http://idp.example.com"}) == [
        "oidcIssuer: must be an https URL (the authorization codes and the client secret travel to it), "
        "got 'http://idp.example.com'"
    ]
    assert problems(**{**OIDC, "oidcIssuer": "https://idp.example.com/.well-known/openid-configuration"}) == [
        "oidcIssuer: give the issuer itself, without /.well-known/openid-configuration"
    ]
    [partial] = problems(**{**OIDC, "oidcClientSecretArn": SECRET[:-7]})
    assert partial.startswith("oidcClientSecretArn: not the full ARN of a Secrets Manager secret")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"oidcScopes": ["email", "profile"]},
         "oidcScopes: must include openid (without it there is no ID token), got ['email', 'profile']"),
        ({"oidcScopes": ["openid", "a b"]}, "oidcScopes: 'a b' is not a scope (no spaces, quotes or backslashes)"),
        ({"oidcGroupsClaim": "groups claim"},
         "oidcGroupsClaim: not a claim name (letters, digits and _.:-), got 'groups claim'"),
        ({"oidcProviderName": "Okta"}, "oidcProviderName: must be 1-20 lower-case letters and digits, got 'Okta'"),
    ],
)  # fmt: skip
def test_oidc_scopes_claims_and_provider_name(values: dict[str, Any], expected: str) -> None:
    assert problems(**OIDC, **values) == [expected]


def test_oidc_needs_a_nat_gateway_to_reach_the_issuer() -> None:
    assert problems("dev", **OIDC) == [
        "natGateways: authType oidc: the web tasks fetch the issuer's keys and exchange codes over HTTPS "
        "through a NAT gateway, but natGateways is none; choose single or one_per_az"
    ]


def test_ldap_only_over_tls() -> None:
    assert problems(**{**LDAP, "ldapServerUrl": "ldap://ldap.example.com:636"}) == [
        "ldapServerUrl: ldap:// without StartTLS sends the bind password and every user's password in the "
        "clear; use ldaps://, or set ldapStartTls true"
    ]
    assert problems(**LDAP, ldapStartTls=True) == [
        "ldapStartTls: ldaps:// is TLS from the first byte; StartTLS is for ldap:// only"
    ]
    assert problems(**{**LDAP, "ldapServerUrl": "https://ldap.example.com"}) == [
        "ldapServerUrl: expected ldaps://host[:port] or ldap://host[:port], got 'https://ldap.example.com'"
    ]
    assert problems(**{**LDAP, "ldapServerUrl": "ldaps://ldap.example.com/dc=example,dc=com"}) == [
        "ldapServerUrl: only the server (scheme, host, port): give the search base in ldapUserSearchBase, "
        "got 'ldaps://ldap.example.com/dc=example,dc=com'"
    ]


def test_ldap_needs_a_bind_dn_its_password_a_search_base_and_sane_filters() -> None:
    assert problems(
        authType="ldap",
        ldapServerUrl="ldaps://ldap.example.com",
        authRolesMapping=MAPPING,
        egressDestinations=LDAP["egressDestinations"],
    ) == [
        "ldapBindDn: required; set it with `pulumi config set ldapBindDn <value>`",
        "ldapUserSearchBase: required; set it with `pulumi config set ldapUserSearchBase <value>`",
        "ldapBindPasswordSecretArn: required; set it with `pulumi config set ldapBindPasswordSecretArn <value>`",
    ]
    assert problems(**LDAP, ldapUserSearchFilter="objectClass=person", ldapUidField="s AM") == [
        "ldapUidField: not an LDAP attribute name, got 's AM'",
        "ldapUserSearchFilter: an LDAP filter is wrapped in balanced parentheses, got 'objectClass=person'",
    ]
    assert problems(
        **LDAP, ldapGroupSearchBase="ou=groups,dc=example,dc=com", ldapGroupSearchFilter="(cn=all)"
    ) == ["ldapGroupSearchFilter: must contain {dn} or {uid}, or it finds the same groups for everyone"]


def test_ldap_needs_an_egress_destination_on_the_directory_port() -> None:
    assert problems(**{**LDAP, "egressDestinations": []}) == [
        "egressDestinations: authType ldap: no destination opens port 636 of ldapServerUrl; add one with the "
        "directory's addresses, e.g. {description: Corporate LDAP, port: 636, cidr: 10.1.0.0/24}"
    ]
    ranged = [{"description": "directory", "fromPort": 600, "toPort": 700, "cidr": "10.1.0.0/24"}]
    assert problems(**{**LDAP, "egressDestinations": ranged}) == []
    # a port in the URL is the one that must be open
    global_catalog = {"ldapServerUrl": "ldaps://dc.example.com:3269", "egressDestinations": ranged}
    assert problems(**{**LDAP, **global_catalog}) == [
        "egressDestinations: authType ldap: no destination opens port 3269 of ldapServerUrl; add one with the "
        "directory's addresses, e.g. {description: Corporate LDAP, port: 3269, cidr: 10.1.0.0/24}"
    ]


def test_roles_are_the_ones_superset_init_creates_and_someone_administers() -> None:
    mapping = [{"group": "a", "roles": "Admin, Analyst"}, {"group": "b", "roles": "Public"},
               {"group": "a", "roles": "Gamma"}, {"group": "c", "roles": " , "}]  # fmt: skip
    assert problems(**{**OIDC, "authRolesMapping": mapping}, authDefaultRole="admin") == [
        "authRolesMapping[0].roles: unknown role 'Analyst'; allowed: Admin, Alpha, Gamma, sql_lab (the roles "
        "`superset init` creates; names are case-sensitive)",
        "authRolesMapping[1].roles: Public gives nothing in this stack (anonymous access is off); choose Gamma "
        "for read-only",
        "authRolesMapping[2].group: repeats authRolesMapping[0].group 'a'; list all of its roles in one entry",
        "authRolesMapping[3].roles: names no role, got ','",
        "authDefaultRole: unknown role 'admin'; allowed: Admin, Alpha, Gamma, sql_lab (the roles `superset "
        "init` creates; names are case-sensitive)",
    ]
    assert problems(**{**OIDC, "authRolesMapping": [{"group": "analysts", "roles": "Alpha"}]}) == [
        "authRolesMapping: no group gives Admin: under oidc the bootstrap admin is disabled, so nobody could "
        "administer Superset; map your administrators' group to Admin"
    ]
    assert problems(**{**OIDC, "authRolesMapping": []}) == [
        "authRolesMapping: empty, and no authDefaultRole: nobody could sign in through oidc"
    ]


def test_a_mapping_item_is_checked_as_an_object() -> None:
    assert problems(**{**OIDC, "authRolesMapping": [{"group": "a"}, {"roles": "Admin", "role": "x"}]}) == [
        "authRolesMapping[0].roles: required (the Superset roles it gives, comma-separated: Admin, Alpha, "
        "Gamma, sql_lab)",
        "authRolesMapping[1]: unknown field 'role'; allowed: group, roles",
        "authRolesMapping[1].group: required (the group as the identity provider sends it: a name or ID in "
        "oidcGroupsClaim (oidc), a group DN (ldap))",
    ]
