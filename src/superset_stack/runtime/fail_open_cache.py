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


def _delegate(method: str) -> Callable[..., Any]:
    def guarded(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(method, *args, **kwargs)

    guarded.__name__ = method
    return guarded


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

    # every read and write of the cache goes through _guarded
    get = _delegate("get")
    get_many = _delegate("get_many")
    has = _delegate("has")
    set = _delegate("set")
    add = _delegate("add")
    set_many = _delegate("set_many")
    delete = _delegate("delete")
    delete_many = _delegate("delete_many")
    clear = _delegate("clear")
    inc = _delegate("inc")
    dec = _delegate("dec")
