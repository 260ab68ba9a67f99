"""The worker health check pings through the very broker superset_config.py gives Celery."""

from __future__ import annotations

from superset_stack.contract import parse
from superset_stack.runtime.health import broker_url
from tests.integration.runtime.test_superset_config import config_for
from tests.unit.runtime.test_health import LOCAL
from tests.unit.test_contract import AWS


def test_the_health_check_broker_is_the_configured_broker() -> None:
    for environ in (AWS, LOCAL):
        assert broker_url(parse(environ)) == config_for(environ)["CELERY_BROKER"]
