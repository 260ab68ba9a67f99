"""FailOpenRedisCache: the optional Superset caches keep serving, uncached, while Redis is away.

Measured on the twin (docs/failure-behaviour.md): with Redis stopped, every chart-data request
failed with a 500, because a cache read raised. The metadata and chart-data caches only save work,
so here a Redis error counts as a miss (reads) or as not stored (writes), Superset computes the
result from the database, and the first error opens a short circuit: for BREAK_SECONDS this
process does not try Redis at all, so an outage costs no request a connect timeout. Required
stores (filter state, explore form data, Celery) keep failing loudly: losing them silently would
lose what users saved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

BREAK_SECONDS = 5.0
logger = logging.getLogger(__name__)

# method -> what it returns when Redis is unavailable (a miss, or "not done")
_FALLBACKS: dict[str, Callable[[tuple[Any, ...]], Any]] = {
    "get": lambda _args: None,
    "get_many": lambda args: [None] * len(args),
    "has": lambda _args: False,
    "set": lambda _args: False,
    "add": lambda _args: False,
    "set_many": lambda _args: [],
    "delete": lambda _args: False,
    "delete_many": lambda _args: [],
    "clear": lambda _args: False,
    "inc": lambda _args: None,
    "dec": lambda _args: None,
}


class FailOpenRedisCache(RedisCache):  # type: ignore[misc]  # flask-caching is untyped here
    """Flask-Caching's RedisCache whose failures are misses, with a per-process circuit breaker."""

    _open_until: float = 0.0

    def _guarded(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fallback = _FALLBACKS[method](args)
        if time.monotonic() < self._open_until:
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            if not self._open_until:
                logger.warning("cache unavailable, serving uncached for now: %s", error)
            self._open_until = time.monotonic() + BREAK_SECONDS
            return fallback
        if self._open_until:
            logger.warning("cache available again")
            self._open_until = 0.0
        return result

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get_many", *args, **kwargs)

    def has(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("has", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set", *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("add", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set_many", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete_many", *args, **kwargs)

    def clear(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("clear", *args, **kwargs)

    def inc(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("inc", *args, **kwargs)

    def dec(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("dec", *args, **kwargs)
