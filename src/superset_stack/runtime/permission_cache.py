"""PermissionCache: each user's account, roles and permissions, loaded once per security change.

Flask-AppBuilder loads the user, their roles and groups on every API request and asks the
metadata database whether one of those roles holds the permission; Superset asks again for the
data source and loads the row-level security filters: six of a cached chart-data request's twelve
statements (docs/benchmarks.md). Each web process here keeps, per user, what those statements
return (security_manager.py serves it) for as long as nothing changed, and "nothing changed" is
exact, not a time:

- a version token in Redis (SecurityVersion) is read once per request, before anything is loaded;
  a snapshot is served only when it was loaded under the token Redis holds now;
- every process of the stack (web, Celery, `superset init`, the CLI, migrations) replaces the token
  whenever one of its statements changes users, roles, groups, permissions or row-level security
  (security_changes.py): engine events see each statement whatever wrote it, the ORM, bulk
  updates or Core;
- the token is replaced twice: just before the transaction commits, and once its connection is
  back in the pool (after the commit). The first makes the commit fail when Redis cannot be told
  (UnpublishedSecurityChangeError): no change is ever committed that a process could miss. The second
  outdates what another process loaded between the two;
- when Redis cannot be read, nothing is served from the cache (the process drops what it holds and
  asks the database as Flask-AppBuilder does) until a read succeeds; a 5-second circuit spares
  each request a connection attempt meanwhile.

Not seen: rows changed outside Superset's processes (psql by hand). Run
`python -m superset_stack.runtime.permission_cache` afterwards (it replaces the token).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import g, has_request_context
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from superset_stack.runtime.security_changes import changes_security

BREAK_SECONDS = 5.0
MAX_USERS = 10_000  # snapshots per process; past it the process starts afresh
_CHANGED = "superset_stack_security_changed"  # a flag in a pooled connection's info
_REQUEST_TOKEN = "_superset_stack_security_version"  # the token read for this request, in flask.g
logger = logging.getLogger(__name__)


class UnpublishedSecurityChangeError(RuntimeError):
    """A security change could not be announced in Redis, so it is not committed."""


@dataclass
class Snapshot:
    """What the database said about one user under one version token."""

    version: str
    user: Any  # a detached copy of the User, roles and groups (with their roles) loaded
    permissions: frozenset[tuple[str, str]]  # (permission, view) through the user's database roles
    row_level_filters: dict[int, list[Any]] = field(default_factory=dict)  # dataset id -> filters


class SecurityVersion:
    """The version token in Redis: read once per request, replaced on every security change."""

    def __init__(self, redis_url: str, key: str) -> None:
        self.key = key
        self._url = redis_url
        self._client: redis.Redis | None = None
        self._open_until = 0.0

    def _redis(self) -> redis.Redis:
        if self._client is None:  # created in the process that uses it (after gunicorn's fork)
            self._client = redis.Redis.from_url(self._url)
        return self._client

    def read(self) -> str | None:
        """The current token; None when Redis cannot say (then nothing may be served from a cache)."""
        if time.monotonic() < self._open_until:
            return None
        try:
            token = self._redis().get(self.key)
            if token is None:  # first use, or Redis lost its data: a new token outdates every snapshot
                self._redis().set(self.key, uuid.uuid4().hex, nx=True)
                token = self._redis().get(self.key)
        except RedisError as error:
            if not self._open_until:
                logger.warning("permission cache off while Redis is unavailable: %s", error)
            self._open_until = time.monotonic() + BREAK_SECONDS
            return None
        if self._open_until:
            logger.warning("permission cache on again")
            self._open_until = 0.0
        return token.decode() if isinstance(token, bytes) else token

    def bump(self) -> None:
        """Outdate every snapshot in every process; raises RedisError when Redis is unavailable."""
        self._redis().set(self.key, uuid.uuid4().hex)


class PermissionCache:
    """The snapshots of one process, and the token they are checked against once per request."""

    def __init__(self, version: SecurityVersion, max_users: int = MAX_USERS) -> None:
        self.version = version
        self._max_users = max_users
        self._snapshots: dict[int, Snapshot] = {}

    def request_token(self) -> str | None:
        """The token for this request, read from Redis on first use; None outside a request."""
        if not has_request_context():
            return None
        if not hasattr(g, _REQUEST_TOKEN):
            read = self.version.read()
            if read is None:
                self._snapshots.clear()
            setattr(g, _REQUEST_TOKEN, read)
        token: str | None = getattr(g, _REQUEST_TOKEN)
        return token

    def get(self, user_id: int) -> Snapshot | None:
        token = self.request_token()
        snapshot = self._snapshots.get(user_id)
        if token is None or snapshot is None or snapshot.version != token:
            return None
        return snapshot

    def put(self, user_id: int, snapshot: Snapshot) -> None:
        if len(self._snapshots) >= self._max_users:
            self._snapshots.clear()
        self._snapshots[user_id] = snapshot


def _mark_changes(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if changes_security(statement):
        connection.info[_CHANGED] = True


def watch(version: SecurityVersion) -> None:
    """Replace the token around every commit that changed security, in this process, any engine."""

    def before_commit(connection: Any) -> None:
        if connection.info.get(_CHANGED):
            try:
                version.bump()
            except RedisError as error:
                raise UnpublishedSecurityChangeError(
                    "users, roles or permissions were not changed: Redis, where every Superset process "
                    f"learns of such changes, is unavailable ({error}); try again once it is back"
                ) from error

    def after_commit(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_CHANGED, False):
            try:
                version.bump()
            except RedisError:
                logger.exception("permission change committed, but Redis could not be told afterwards")

    if not event.contains(Engine, "after_cursor_execute", _mark_changes):
        event.listen(Engine, "after_cursor_execute", _mark_changes)
        event.listen(Engine, "commit", before_commit)
        event.listen(Pool, "checkin", after_commit)


def configure(redis_url: str, key: str) -> PermissionCache:
    """The process's cache, with the engine hooks that keep every process's cache exact."""
    version = SecurityVersion(redis_url, key)
    watch(version)
    return PermissionCache(version)


def main() -> int:
    """Outdate every process's snapshots: after changing users or permissions outside Superset."""
    from superset.app import create_app

    app = create_app()
    cache = app.config.get("PERMISSION_CACHE")
    if not isinstance(cache, PermissionCache):
        print("no permission cache configured (PERMISSION_CACHE)", file=sys.stderr)
        return 1
    cache.version.bump()
    print(f"replaced {cache.version.key} (pid {os.getpid()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
