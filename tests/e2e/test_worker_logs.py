"""The Celery worker runs tasks without logging an ERROR: Superset 6.1.0 logged one after every
task from its task_postrun teardown ("Working outside of application context"), which the twin's
worker logs showed once a minute; runtime/celery_teardown.py swaps in upstream's fix."""

from __future__ import annotations

import re
import time

from superset_stack.local.twin import Twin

SUCCEEDED = re.compile(r"Task reports\.scheduler\[[0-9a-f-]+\] succeeded")


def test_a_celery_task_logs_no_error(twin: Twin) -> None:
    log = twin.logs / "worker.log"
    start = log.stat().st_size  # only what this test sees run; other tests break the twin on purpose
    deadline = time.monotonic() + 150  # beat sends reports.scheduler every minute

    def since_start() -> str:
        return log.read_bytes()[start:].decode(errors="replace")

    while not SUCCEEDED.search(since_start()):
        assert time.monotonic() < deadline, f"no reports.scheduler task ran within 150 s:\n{since_start()}"
        time.sleep(2)
    time.sleep(3)  # task_postrun's receivers run after the success line
    seen = since_start()
    assert "Working outside of application context" not in seen, seen
    assert [line for line in seen.splitlines() if "ERROR" in line] == [], seen
