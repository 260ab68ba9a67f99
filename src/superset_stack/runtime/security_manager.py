"""NoAnonymousSecurityManager: Superset's security manager for a stack where nobody is anonymous
and passwords cannot be guessed at speed.

This stack gives anonymous users nothing (PUBLIC_ROLE_LIKE is None; security.md). Flask-AppBuilder
still asks, before each protected request is authenticated, whether the view is public, by loading
the Public role and its permissions from the metadata database: two queries per check, two checks
per API request, about a sixth of a cached chart-data request's time on the twin
(docs/benchmarks.md). Here the answer is always no, without a query. A permission granted to the
Public role in the UI therefore opens nothing, which is the point: public access is not a switch
an administrator can flip by accident.

AUTH_RATE_LIMIT guards no password in Superset 6.1.0 as shipped: Superset applies it to its own
/login/ page view, which answers only GET, and registers Flask-AppBuilder's views, among them
AuthDBView that answers POST /login/, with the limit switched off; the JWT login API
(POST /api/v1/security/login) is never limited. Measured with "5 per minute": eight wrong
passwords in a row on each door all reached the password check. Here both doors share one
AUTH_RATE_LIMIT budget per client address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from superset.security import SupersetSecurityManager

PASSWORD_SCOPE = "password-login"  # one budget for every door that checks a password


class NoAnonymousSecurityManager(SupersetSecurityManager):  # type: ignore[misc]
    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        return False

    def register_views(self) -> None:
        super().register_views()
        if self.is_auth_limited:
            limit = self.limiter.shared_limit(self.auth_rate_limit, scope=PASSWORD_SCOPE, methods=["POST"])
            for view in self.password_views():
                limit(view.blueprint)

    def password_views(self) -> Iterator[Any]:
        """The registered views that take a password: the login form (POST /login/) and the JWT
        login API (POST /api/v1/security/login, whose blueprint also holds /refresh)."""
        yield self.auth_view
        yield from (view for view in self.appbuilder.baseviews if isinstance(view, self.security_api))
