"""SsoSecurityManager: NoAnonymousSecurityManager for single sign-on (OpenID Connect or LDAP).

Flask-AppBuilder's own rules, and what changes here (auth.py holds the configuration):
- Roles. Flask-AppBuilder gives every new user the registration role on top of the roles their
  groups map to, and creates a user with no role at all. Here a user gets the roles their groups
  map to (AUTH_ROLES_MAPPING), or else the default role (AUTH_USER_REGISTRATION_ROLE), or else
  nothing, and a user with no role is refused: never created, never signed in.
- Registration. AUTH_USER_REGISTRATION lets the identity provider's users in at their first sign-in;
  Flask-AppBuilder would also serve a form at /register/form (OAuth) that creates an account with
  the registration role for anyone once mail is configured, and Superset a /register/ page. Neither
  exists here: the identity provider is the only way in.
- OpenID Connect user info. From the ID token authlib validated (signature, issuer, audience,
  expiry, nonce), completed from the userinfo endpoint (for the same subject only) when the token
  lacks the groups or the username claim (the specification's default for scope claims, and
  Okta's); an e-mail address names a user only when the provider says it is verified.
- LDAP. Every call gives up after AUTH_LDAP_TIMEOUT_SECONDS; for a directory without memberOf, the
  user's groups are found with a search (AUTH_LDAP_GROUP_SEARCH_BASE and _FILTER) while the
  service account is bound.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_appbuilder.const import AUTH_OAUTH
from flask_appbuilder.security.registerviews import RegisterUserOAuthView

from superset_stack.runtime.security_manager import NoAnonymousSecurityManager

log = logging.getLogger(__name__)


class NoRegistrationForm(RegisterUserOAuthView):  # type: ignore[misc]
    """Flask-AppBuilder's OAuth registration form with its routes taken away (a method without
    @expose serves no URL): nobody registers by hand."""

    def this_form_get(self) -> None:
        return None

    def this_form_post(self) -> None:
        return None

    def activation(self, activation_hash: str) -> None:
        return None


class SsoSecurityManager(NoAnonymousSecurityManager):
    register_superset_registeruser_view = False  # Superset's /register/ page
    registeruseroauthview = NoRegistrationForm

    def __init__(self, appbuilder: Any) -> None:
        super().__init__(appbuilder)
        if self.auth_type == AUTH_OAUTH:
            self.oauth_user_info = self.oidc_user_info

    # --- roles: the mapped ones, else the default one, else refused ---------------------------

    def roles_of(self, group_keys: Iterable[str]) -> list[Any]:
        """The roles `group_keys` map to; the default role when none does; [] when there is none."""
        roles = self.get_roles_from_keys(list(group_keys))
        default = self.auth_user_registration_role
        if not roles and default:
            role = self.find_role(default)
            roles = {role} if role is not None else set()
        return list(roles)

    def _oauth_calculate_user_roles(self, userinfo: dict[str, Any]) -> list[Any]:
        return self.roles_of(userinfo.get("role_keys", []))

    def _ldap_calculate_user_roles(self, user_attributes: dict[str, Any]) -> list[Any]:
        return self.roles_of(self.ldap_extract_list(user_attributes, self.auth_ldap_group_field))

    def add_user(self, username: str, first_name: str, last_name: str, email: str, role: Any, *args: Any,
                 **kwargs: Any) -> Any:  # fmt: skip
        """Flask-AppBuilder's add_user, refusing a user with no role (None, as when it fails)."""
        if not [item for item in (role if isinstance(role, list) else [role]) if item]:
            log.warning("sign-in refused for %r: in no group mapped to a role, and no default role", username)
            return None
        return super().add_user(username, first_name, last_name, email, role, *args, **kwargs)

    def admitted(self, user: Any) -> Any:
        """The user, unless they hold no role (their groups changed since they were created)."""
        if user is not None and not user.roles:
            log.warning("sign-in refused for %r: no role", user.username)
            return None
        return user

    def auth_user_oauth(self, userinfo: dict[str, Any]) -> Any:
        return self.admitted(super().auth_user_oauth(userinfo))

    # --- OpenID Connect ------------------------------------------------------------------------

    def oidc_user_info(self, provider: str, response: dict[str, Any]) -> dict[str, Any]:
        """Flask-AppBuilder's user info from the validated ID token, completed from the userinfo
        endpoint when the token lacks the groups or the username claim; ValueError refuses the sign-in."""
        settings = next(item for item in self.oauth_providers if item["name"] == provider)
        claims = dict(response.get("userinfo") or {})
        if not claims.get("sub"):
            raise ValueError("no validated ID token in the token response")
        groups_claim, username_claim = settings["groups_claim"], settings["username_claim"]
        if groups_claim not in claims or username_claim not in claims:
            extra = self.oauth_remotes[provider].userinfo(token=response)
            if extra.get("sub") != claims["sub"]:
                raise ValueError("the userinfo endpoint answered for another subject")
            claims = {**extra, **claims}  # what the ID token says wins
        username = claims.get(username_claim)
        if not username or not isinstance(username, str):
            raise ValueError(f"the ID token has no {username_claim!r} claim to name the user")
        if username_claim == "email" and claims.get("email_verified") not in (True, "true"):
            raise ValueError("the e-mail address is not verified by the identity provider")
        groups = claims.get(groups_claim) or []
        return {
            "username": username,
            "email": claims.get("email", ""),
            "first_name": claims.get("given_name", ""),
            "last_name": claims.get("family_name", ""),
            "role_keys": [str(group) for group in ([groups] if isinstance(groups, str) else groups)],
        }

    # --- LDAP ----------------------------------------------------------------------------------

    def auth_user_ldap(self, username: str, password: str) -> Any:
        import ldap  # type: ignore[import-not-found]  # python-ldap: only in the runtime

        timeout = current_app.config.get("AUTH_LDAP_TIMEOUT_SECONDS", 10)
        ldap.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
        ldap.set_option(ldap.OPT_TIMEOUT, timeout)
        return self.admitted(super().auth_user_ldap(username, password))

    def _search_ldap(self, ldap: Any, con: Any, username: str) -> tuple[Any, Any]:
        """Flask-AppBuilder's user search; with a group search base, the user's groups found by a
        search (DNs, as memberOf would list them) under the group field."""
        user_dn, attributes = super()._search_ldap(ldap, con, username)
        base = current_app.config.get("AUTH_LDAP_GROUP_SEARCH_BASE", "")
        if user_dn is None or not base:
            return user_dn, attributes
        from ldap.filter import escape_filter_chars  # type: ignore[import-not-found]

        query = current_app.config["AUTH_LDAP_GROUP_SEARCH_FILTER"].format(
            dn=escape_filter_chars(user_dn), uid=escape_filter_chars(username)
        )
        found = con.search_s(base, ldap.SCOPE_SUBTREE, query, ["1.1"])  # no attributes, only DNs
        groups = [dn.encode() for dn, _ in found if dn is not None]
        return user_dn, {**attributes, self.auth_ldap_group_field: groups}
