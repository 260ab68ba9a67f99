"""FailOpenRedisCache in the real runtime: against a port nobody listens on, and a live Redis."""

from __future__ import annotations

from superset_stack.local.processes import free_port
from tests.runtime_venv import run_script

SCRIPT = """
import json, sys, time
import redis
from superset_stack.runtime.fail_open_cache import BREAK_SECONDS, FailOpenRedisCache
client = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_connect_timeout=1)
cache = FailOpenRedisCache(host=client, key_prefix="t_")
first = {"get": cache.get("k"), "get_many": cache.get_many("a", "b"), "has": cache.has("k"),
         "set": cache.set("k", 1), "add": cache.add("k", 1), "delete": cache.delete("k")}
opened = cache._open_until - time.monotonic()
# while the circuit is open Redis is not asked at all
client.get = lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked Redis while the circuit was open"))
second = cache.get("k")
print(json.dumps({"first": first, "open_for": opened, "break": BREAK_SECONDS, "second": second}))
"""


def test_an_unreachable_redis_is_a_miss_and_opens_the_circuit() -> None:
    outcome, stderr = run_script(SCRIPT, str(free_port()))
    assert outcome["first"] == {"get": None, "get_many": [None, None], "has": False, "set": False, "add": False,
                                "delete": False}  # fmt: skip
    assert 0 < outcome["open_for"] <= outcome["break"]
    assert outcome["second"] is None
    assert "cache unavailable, serving uncached for now" in stderr
