"""Error events in the real runtime: Superset's logging and a Celery worker's both write every
ERROR record as one JSON line, through the configurator superset_config.py installs."""

from __future__ import annotations

import json
import os
import subprocess

from tests.runtime_venv import CONFIG, SOURCE, runtime_python
from tests.unit.test_contract import LOCAL

LOG_BOTH_WAYS = """
import importlib.util, logging, sys
spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)
from superset import config as defaults

# what Superset's app initializer does with the configurator (web, commands, the Celery app)
config.LOGGING_CONFIGURATOR.configure_logging(vars(defaults) | {"LOG_LEVEL": "INFO"}, False)
log = logging.getLogger("superset.views.core")
log.info("superset info line")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("superset failed")

# what a Celery worker or beat does next: replace the root handlers with its own
from celery import Celery
Celery("probe").log.setup(loglevel="INFO", redirect_stdouts=False)
log.info("celery info line")
logging.getLogger("celery.utils.dispatch.signal").error("Signal handler %r raised: %r", "teardown", "boom")
"""


def test_superset_and_celery_log_errors_as_json_events_and_the_rest_as_before() -> None:
    result = subprocess.run(
        [str(runtime_python()), "-c", LOG_BOTH_WAYS, str(CONFIG)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **LOCAL},
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.endswith(":INFO:superset.views.core:superset info line") for line in lines)
    assert any(line.endswith("INFO/MainProcess] celery info line") for line in lines)  # Celery's format
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["level"], e["logger"], e["message"]) for e in events] == [
        ("ERROR", "superset.views.core", "superset failed"),
        ("ERROR", "celery.utils.dispatch.signal", "Signal handler 'teardown' raised: 'boom'"),
    ]
    assert events[0]["exception"].endswith("ZeroDivisionError: division by zero")
    # nothing else says ERROR: the traceback is inside its event, not on lines of its own
    assert [line for line in lines if "ERROR" in line and not line.startswith("{")] == []
