"""NoAnonymousSecurityManager: Superset's security manager for a stack where nobody is anonymous,
passwords cannot be guessed at speed, and each user's roles and permissions come from the
snapshot cache.

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

Then every request loaded the user, their roles and groups, and asked the database about each
permission and the dataset's row-level security filters. With SNAPSHOT_CACHE configured
(snapshot_cache.py) the answers come from a snapshot per user that is exactly as fresh as the
database: the user is put into the request's session from the snapshot without a query, and
permissions are looked up in the set the user's roles held when the snapshot was taken. Without a
snapshot (no request, Redis unavailable, the cache off), everything is asked as Flask-AppBuilder
and Superset ask it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

from flask import current_app, g
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from superset.security import SupersetSecurityManager

from superset_stack.runtime.snapshot_cache import SnapshotCache, UserSnapshot

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

    # --- the snapshot cache --------------------------------------------------------------------

    @staticmethod
    def _snapshot_cache() -> SnapshotCache | None:
        cache = current_app.config.get("SNAPSHOT_CACHE")
        return cache if isinstance(cache, SnapshotCache) else None

    def _snapshot_of(self, user: Any) -> UserSnapshot | None:
        cache = self._snapshot_cache()
        user_id = getattr(user, "id", None)
        if cache is None or user_id is None or not getattr(user, "is_authenticated", False):
            return None
        return cache.user(user_id)

    def load_user(self, pk: int | str) -> Any | None:
        """The active user with this id, from the snapshot when there is one (no query)."""
        cache = self._snapshot_cache()
        token = cache.request_token() if cache is not None else None
        if cache is None or token is None:
            return super().load_user(pk)
        snapshot = cache.user(int(pk))
        if snapshot is None:
            snapshot = self._take_snapshot(int(pk), token)
            if snapshot is None:
                return None
            cache.put(int(pk), snapshot)
        # load=False: the snapshot's state goes into the session as it is, without a query
        user = self.session.merge(snapshot.user, load=False)
        return user if user.is_active else None

    def _take_snapshot(self, user_id: int, token: str) -> UserSnapshot | None:
        """The user, roles, groups and permissions from the database, read after `token` was."""
        user = self.get_user_by_id(user_id)
        if user is None:
            return None
        roles = self.get_user_roles(user)  # loads the roles, the groups and the groups' roles
        role_ids = [role.id for role in roles if role.name not in self.builtin_roles]
        rows = (
            self.session.query(self.permission_model.name, self.viewmenu_model.name)
            .select_from(self.permissionview_model)
            .join(self.permission_model)
            .join(self.viewmenu_model)
            .join(
                assoc_permissionview_role,
                assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id,
            )
            .filter(assoc_permissionview_role.c.role_id.in_(role_ids))
            .all()
            if role_ids
            else []
        )
        # a detached copy: shared by the process's threads, never attached to any session
        detached = pickle.loads(pickle.dumps(user))
        return UserSnapshot(version=token, user=detached, permissions=frozenset((p, v) for p, v in rows))

    def _has_view_access(self, user: Any, permission_name: str, view_name: str) -> bool:
        snapshot = self._snapshot_of(user)
        if snapshot is None:
            return bool(super()._has_view_access(user, permission_name, view_name))
        if any(
            role.name in self.builtin_roles
            and self._has_access_builtin_roles(role, permission_name, view_name)
            for role in self.get_user_roles(user)
        ):
            return True
        return (permission_name, view_name) in snapshot.permissions

    def get_rls_filters(self, table: Any) -> list[Any]:
        snapshot = self._snapshot_of(getattr(g, "user", None))
        if snapshot is None:
            return list(super().get_rls_filters(table))
        filters = snapshot.row_level_filters.get(table.id)
        if filters is None:
            filters = snapshot.row_level_filters[table.id] = list(super().get_rls_filters(table))
        return filters
