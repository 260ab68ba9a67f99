"""SplitEventLogger: user-activity events in the metadata database, API-call events in the log.

Superset's default DBEventLogger writes a row and commits for every logged API call. Measured on
the twin: one cached chart-data request writes three rows (ChartDataRestApi.data,
_get_data_response, ChartDataRestApi.json_dumps), and each commit expires the request's ORM
objects, which Superset then loads again; together about a quarter of the request's time
(docs/benchmarks.md), and a `logs` table that grows by three rows per chart per dashboard view.

Only the browser's own events (action "log": dashboard and Explore views) feed a Superset
feature, Home's recent activity, so they stay in the database. Every other event goes to the
process log as one JSON line, which on ECS is CloudWatch Logs: the same audit trail (who, what,
which dashboard or chart, how long), searchable with Logs Insights, kept by the log group's
retention, and without a database write.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from superset.utils.log import DBEventLogger

ACTIVITY_ACTION = "log"  # Superset's /superset/log/ endpoint: the browser's events
logger = logging.getLogger("superset.events")
logger.setLevel(logging.INFO)  # the audit trail does not depend on LOG_LEVEL


class SplitEventLogger(DBEventLogger):  # type: ignore[misc]
    def log(  # noqa: PLR0917 - Superset calls it with these positional arguments
        self,
        user_id: int | None,
        action: str,
        dashboard_id: int | None,
        duration_ms: int | None,
        slice_id: int | None,
        referrer: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if action == ACTIVITY_ACTION:
            super().log(user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs)
            return
        event = {
            "event": action,
            "user_id": user_id,
            "dashboard_id": dashboard_id,
            "slice_id": slice_id,
            "database_id": kwargs.get("database_id"),
            "duration_ms": duration_ms,
            "referrer": referrer,
            "payload": kwargs.get("curated_payload") or None,
            "form_data": kwargs.get("curated_form_data") or None,
        }
        present = {key: value for key, value in event.items() if value is not None}
        logger.info(json.dumps(present, default=str))
