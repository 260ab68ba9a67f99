"""SnapshotCache: users and datasets as the metadata database holds them, loaded once per change.

A cached chart-data request asked the metadata database twelve questions, and the same answers
every time: the user, their roles and groups, whether a role holds the permission (twice), the
row-level security filters, the dataset (twice), its columns, metrics and database, and the
connection check before them (docs/benchmarks.md). Each web process here keeps snapshots of what
those statements return, per user (security_manager.py serves them) and per dataset
(dataset_snapshots.py), for as long as nothing changed, and "nothing changed" is exact, not a time:

- a version token in Redis (MetadataVersion) is read once per request, before anything is loaded;
  a snapshot is served only when it was loaded under the token Redis holds now;
- every process of the stack (web, Celery, `superset init`, the CLI, migrations) replaces the token
  whenever one of its statements changes users, roles, groups, permissions, row-level security or
  a dataset (metadata_changes.py): engine events see each statement whatever wrote it, the ORM,
  bulk updates or Core;
- the token is replaced twice: just before the transaction commits, and once its connection is
  back in the pool (after the commit). The first makes the commit fail when Redis cannot be told
  (UnpublishedChangeError): no change is ever committed that a process could miss. The second
  outdates what another process loaded between the two;
- when Redis cannot be read, nothing is served from snapshots (the process drops what it holds and
  asks the database as Superset does) until a read succeeds; a 5-second circuit spares each
  request a connection attempt meanwhile.

Not seen: rows changed outside Superset's processes (psql by hand). Run
`python -m superset_stack.runtime.snapshot_cache` afterwards (it replaces the token).
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

from superset_stack.runtime.metadata_changes import changes_snapshots

BREAK_SECONDS = 5.0
MAX_SNAPSHOTS = 20_000  # per process; past it the process starts afresh
_CHANGED = "superset_stack_metadata_changed"  # a flag in a pooled connection's info
_REQUEST_TOKEN = "_superset_stack_metadata_version"  # the token read for this request, in flask.g
logger = logging.getLogger(__name__)


class UnpublishedChangeError(RuntimeError):
    """A change to users, permissions or datasets could not be announced in Redis: not committed."""


@dataclass
class UserSnapshot:
    """What the database said about one user under one version token."""

    version: str
    user: Any  # a detached copy of the User, roles and groups (with their roles) loaded
    permissions: frozenset[tuple[str, str]]  # (permission, view) through the user's database roles
    row_level_filters: dict[int, list[Any]] = field(default_factory=dict)  # dataset id -> filters


@dataclass(frozen=True)
class DatasetSnapshot:
    """A dataset as the database held it under one version token."""

    version: str
    dataset: Any  # a detached copy of the SqlaTable, its columns, metrics and database loaded


Snapshot = UserSnapshot | DatasetSnapshot


class MetadataVersion:
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
            self._break(error)
            return None
        self._mend()
        return token.decode() if isinstance(token, bytes) else token

    def _break(self, error: RedisError) -> None:
        """For BREAK_SECONDS, no request of this process waits for Redis."""
        if not self._open_until:
            logger.warning("snapshot cache off while Redis is unavailable: %s", error)
        self._open_until = time.monotonic() + BREAK_SECONDS

    def _mend(self) -> None:
        if self._open_until:
            logger.warning("snapshot cache on again")
            self._open_until = 0.0

    def bump(self) -> None:
        """Outdate every snapshot in every process; raises RedisError when Redis is unavailable."""
        self._redis().set(self.key, uuid.uuid4().hex)


class SnapshotCache:
    """The snapshots of one process, and the token they are checked against once per request."""

    def __init__(self, version: MetadataVersion, max_snapshots: int = MAX_SNAPSHOTS) -> None:
        self.version = version
        self._max_snapshots = max_snapshots
        self._snapshots: dict[tuple[str, int], Snapshot] = {}

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

    def _current(self, key: tuple[str, int]) -> Snapshot | None:
        token = self.request_token()
        snapshot = self._snapshots.get(key)
        return snapshot if token is not None and snapshot is not None and snapshot.version == token else None

    def user(self, user_id: int) -> UserSnapshot | None:
        snapshot = self._current(("user", user_id))
        return snapshot if isinstance(snapshot, UserSnapshot) else None

    def dataset(self, dataset_id: int) -> DatasetSnapshot | None:
        snapshot = self._current(("dataset", dataset_id))
        return snapshot if isinstance(snapshot, DatasetSnapshot) else None

    def put(self, key: int, snapshot: Snapshot) -> None:
        if len(self._snapshots) >= self._max_snapshots:
            self._snapshots.clear()
        self._snapshots[("user" if isinstance(snapshot, UserSnapshot) else "dataset", key)] = snapshot


def _mark_changes(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if changes_snapshots(statement):
        connection.info[_CHANGED] = True


def watch(version: MetadataVersion) -> None:
    """Replace the token around every commit that outdates snapshots, in this process, any engine."""

    def before_commit(connection: Any) -> None:
        if connection.info.get(_CHANGED):
            try:
                version.bump()
            except RedisError as error:
                raise UnpublishedChangeError(
                    "users, permissions or datasets were not changed: Redis, where every Superset process "
                    f"learns of such changes, is unavailable ({error}); try again once it is back"
                ) from error

    def after_commit(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_CHANGED, False):
            try:
                version.bump()
            except RedisError:
                logger.exception("change committed, but Redis could not be told afterwards")

    if not event.contains(Engine, "after_cursor_execute", _mark_changes):
        event.listen(Engine, "after_cursor_execute", _mark_changes)
        event.listen(Engine, "commit", before_commit)
        event.listen(Pool, "checkin", after_commit)


def configure(redis_url: str, key: str) -> SnapshotCache:
    """The process's cache, with the engine hooks that keep every process's cache exact."""
    version = MetadataVersion(redis_url, key)
    watch(version)
    return SnapshotCache(version)


def main() -> int:
    """Outdate every process's snapshots: after changing users, permissions or datasets by hand."""
    from superset.app import create_app

    app = create_app()
    cache = app.config.get("SNAPSHOT_CACHE")
    if not isinstance(cache, SnapshotCache):
        print("no snapshot cache configured (SNAPSHOT_CACHE)", file=sys.stderr)
        return 1
    cache.version.bump()
    print(f"replaced {cache.version.key} (pid {os.getpid()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
