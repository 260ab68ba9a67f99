"""Sign-in: the authType's own settings present and well-formed, no setting of another authType,
groups mapped to roles `superset init` creates, an https issuer, a directory spoken to over TLS,
secrets only as Secrets Manager ARNs, and a network path to the identity provider."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from superset_stack.config_types import shown
from superset_stack.validators._problem import Problem, required

if TYPE_CHECKING:
    from superset_stack.settings import Settings

# The roles `superset init` creates with permissions (Public exists too, empty in this stack).
SUPERSET_ROLES = ("Admin", "Alpha", "Gamma", "sql_lab")
LDAP_PORTS = {"ldaps": 636, "ldap": 389}
# A full secret ARN ends in the 6 characters Secrets Manager appends; IAM grants match it exactly.
_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}"
)
_CLAIM = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
_PROVIDER_NAME = re.compile(r"[a-z0-9]{1,20}")
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")  # RFC 6749 scope-token


def validate_auth_type(s: Settings) -> list[Problem]:
    """Under oidc, no ldap setting, and the other way round: one stack signs in one way. Under
    database both may stay (ignored), so that switching back to database is a one-line break-glass."""
    from superset_stack.settings import OPTIONS

    other = {"oidc": "ldap", "ldap": "oidc"}.get(s.auth_type)
    if other is None:
        return []
    return [
        Problem(option.key, f"is read only with authType {other}; authType is {s.auth_type}")
        for option in OPTIONS
        if option.key.startswith(other) and getattr(s, option.attribute) != _default(option.default)
    ]


def _default(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def validate_roles(s: Settings) -> list[Problem]:
    """Each group once, mapped to roles `superset init` creates; a default role of those or none;
    someone who can administer (the bootstrap admin is disabled under single sign-on)."""
    if s.auth_type == "database":
        return []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, mapping in enumerate(s.auth_roles_mapping):
        where = f"authRolesMapping[{index}]"
        if mapping.group in seen:
            problems.append(
                Problem(
                    f"{where}.group",
                    f"repeats authRolesMapping[{seen[mapping.group]}].group {shown(mapping.group)}; "
                    "list all of its roles in one entry",
                )
            )
        seen.setdefault(mapping.group, index)
        if not mapping.role_names:
            problems.append(Problem(f"{where}.roles", f"names no role, got {shown(mapping.roles)}"))
        problems += [
            _unknown_role(f"{where}.roles", name) for name in mapping.role_names if name not in SUPERSET_ROLES
        ]
    if s.auth_default_role and s.auth_default_role not in SUPERSET_ROLES:
        problems.append(_unknown_role("authDefaultRole", s.auth_default_role))
    if not s.auth_roles_mapping and not s.auth_default_role:
        problems.append(
            Problem(
                "authRolesMapping",
                f"empty, and no authDefaultRole: nobody could sign in through {s.auth_type}",
            )
        )
    administrators = [m for m in s.auth_roles_mapping if "Admin" in m.role_names]
    if s.auth_roles_mapping and not administrators and s.auth_default_role != "Admin":
        problems.append(
            Problem(
                "authRolesMapping",
                f"no group gives Admin: under {s.auth_type} the bootstrap admin is disabled, so nobody "
                "could administer Superset; map your administrators' group to Admin",
            )
        )
    return problems


def _unknown_role(key: str, name: str) -> Problem:
    if name == "Public":
        return Problem(
            key, "Public gives nothing in this stack (anonymous access is off); choose Gamma for read-only"
        )
    return Problem(
        key,
        f"unknown role {shown(name)}; allowed: {', '.join(SUPERSET_ROLES)} (the roles `superset init` "
        "creates; names are case-sensitive)",
    )


def validate_oidc(s: Settings) -> list[Problem]:
    """An https issuer, a client ID, the client secret as a full Secrets Manager ARN, the openid
    scope, claim names and a provider name Superset can route."""
    if s.auth_type != "oidc":
        return []
    problems = _issuer(s.oidc_issuer)
    if not s.oidc_client_id:
        problems.append(required("oidcClientId"))
    problems += _secret_arn("oidcClientSecretArn", s.oidc_client_secret_arn, "the client secret")
    if "openid" not in s.oidc_scopes:
        problems.append(
            Problem(
                "oidcScopes",
                f"must include openid (without it there is no ID token), got {list(s.oidc_scopes)}",
            )
        )
    problems += [
        Problem("oidcScopes", f"{shown(scope)} is not a scope (no spaces, quotes or backslashes)")
        for scope in s.oidc_scopes
        if not _SCOPE.fullmatch(scope)
    ]
    for key, claim in (
        ("oidcGroupsClaim", s.oidc_groups_claim),
        ("oidcUsernameClaim", s.oidc_username_claim),
    ):
        if not _CLAIM.fullmatch(claim):
            problems.append(Problem(key, f"not a claim name (letters, digits and _.:-), got {shown(claim)}"))
    if not _PROVIDER_NAME.fullmatch(s.oidc_provider_name):
        problems.append(
            Problem(
                "oidcProviderName",
                f"must be 1-20 lower-case letters and digits, got {shown(s.oidc_provider_name)}",
            )
        )
    return problems


def _issuer(issuer: str) -> list[Problem]:
    if not issuer:
        return [required("oidcIssuer")]
    parts = urlsplit(issuer)
    if parts.scheme != "https":
        return [
            Problem(
                "oidcIssuer",
                "must be an https URL (the authorization codes and the client secret travel to it), "
                f"got {shown(issuer)}",
            )
        ]
    if not parts.hostname or parts.query or parts.fragment:
        return [
            Problem("oidcIssuer", f"not an issuer URL (https://host[/path], no query), got {shown(issuer)}")
        ]
    if parts.path.rstrip("/").endswith("/.well-known/openid-configuration"):
        return [Problem("oidcIssuer", "give the issuer itself, without /.well-known/openid-configuration")]
    return []


def _secret_arn(key: str, arn: str, what: str) -> list[Problem]:
    if not arn:
        return [required(key)]
    if not _SECRET_ARN.fullmatch(arn):
        return [
            Problem(
                key,
                f"not the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:"
                f"secret:<name>-<6 characters>, as `aws secretsmanager describe-secret` prints it; only "
                f"{what} itself is stored there), got {shown(arn)}",
            )
        ]
    return []


def validate_ldap(s: Settings) -> list[Problem]:
    """A directory URL spoken to over TLS (ldaps://, or ldap:// with StartTLS), a bind DN and its
    password as a full Secrets Manager ARN, a user search base, attribute names and filters."""
    if s.auth_type != "ldap":
        return []
    problems = _ldap_url(s.ldap_server_url, start_tls=s.ldap_start_tls)
    for key, value in (("ldapBindDn", s.ldap_bind_dn), ("ldapUserSearchBase", s.ldap_user_search_base)):
        if not value:
            problems.append(required(key))
        elif "=" not in value:
            problems.append(
                Problem(
                    key, f"not a distinguished name (e.g. ou=people,dc=example,dc=com), got {shown(value)}"
                )
            )
    problems += _secret_arn("ldapBindPasswordSecretArn", s.ldap_bind_password_secret_arn, "the password")
    for key, attribute in (("ldapUidField", s.ldap_uid_field), ("ldapGroupField", s.ldap_group_field)):
        if not _ATTRIBUTE.fullmatch(attribute):
            problems.append(Problem(key, f"not an LDAP attribute name, got {shown(attribute)}"))
    if s.ldap_group_search_base and "=" not in s.ldap_group_search_base:
        problems.append(
            Problem("ldapGroupSearchBase", f"not a distinguished name, got {shown(s.ldap_group_search_base)}")
        )
    for key, search in (
        ("ldapUserSearchFilter", s.ldap_user_search_filter),
        ("ldapGroupSearchFilter", s.ldap_group_search_filter),
    ):
        if search and not (
            search.startswith("(") and search.endswith(")") and search.count("(") == search.count(")")
        ):
            problems.append(
                Problem(key, f"an LDAP filter is wrapped in balanced parentheses, got {shown(search)}")
            )
    if s.ldap_group_search_base and not re.search(r"\{(dn|uid)\}", s.ldap_group_search_filter):
        problems.append(
            Problem(
                "ldapGroupSearchFilter",
                "must contain {dn} or {uid}, or it finds the same groups for everyone",
            )
        )
    return problems


def _ldap_url(url: str, *, start_tls: bool) -> list[Problem]:
    if not url:
        return [required("ldapServerUrl")]
    parts = urlsplit(url)
    if parts.scheme not in LDAP_PORTS or not parts.hostname:
        return [
            Problem("ldapServerUrl", f"expected ldaps://host[:port] or ldap://host[:port], got {shown(url)}")
        ]
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        return [
            Problem(
                "ldapServerUrl",
                "only the server (scheme, host, port): give the search base in ldapUserSearchBase, "
                f"got {shown(url)}",
            )
        ]
    try:
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError:
        return [Problem("ldapServerUrl", f"the port must be 1-65535, got {shown(url)}")]
    return _ldap_tls(parts.scheme, start_tls=start_tls)


def _ldap_tls(scheme: str, *, start_tls: bool) -> list[Problem]:
    """ldaps://, or ldap:// upgraded with StartTLS: never a password in the clear."""
    if scheme == "ldap" and not start_tls:
        return [
            Problem(
                "ldapServerUrl",
                "ldap:// without StartTLS sends the bind password and every user's password in the clear; "
                "use ldaps://, or set ldapStartTls true",
            )
        ]
    if scheme == "ldaps" and start_tls:
        return [Problem("ldapStartTls", "ldaps:// is TLS from the first byte; StartTLS is for ldap:// only")]
    return []


def _ldap_port(url: str) -> int | None:
    """The TCP port of an ldap(s):// URL (the scheme's default when none is given), None when the
    URL is not one."""
    parts = urlsplit(url)
    try:
        return parts.port or LDAP_PORTS.get(parts.scheme)
    except ValueError:
        return None


def validate_auth_network(s: Settings) -> list[Problem]:
    """A way from the web tasks to the identity provider: a NAT gateway for an issuer on the
    internet (HTTPS, which the stack opens), an egress destination on the directory's port."""
    if s.auth_type == "oidc" and s.nat_gateways == "none":  # a StrEnum member equals its value
        return [
            Problem(
                "natGateways",
                "authType oidc: the web tasks fetch the issuer's keys and exchange codes over HTTPS "
                "through a NAT gateway, but natGateways is none; choose single or one_per_az",
            )
        ]
    port = _ldap_port(s.ldap_server_url) if s.auth_type == "ldap" else None
    if port is None:
        return []
    if any(first <= port <= last for first, last in (d.ports for d in s.egress_destinations)):
        return []
    return [
        Problem(
            "egressDestinations",
            f"authType ldap: no destination opens port {port} of ldapServerUrl; add one with the "
            f"directory's addresses, e.g. {{description: Corporate LDAP, port: {port}, cidr: 10.1.0.0/24}}",
        )
    ]
