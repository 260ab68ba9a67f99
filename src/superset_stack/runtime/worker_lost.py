"""Fail an async SQL Lab query clearly when the Celery process running it dies.

Measured on the twin (docs/failure-behaviour.md): when a pool process is killed (out of memory, a
crash) while it runs `sql_lab.get_sql_results`, Celery records WorkerLostError and nobody runs the
task again (it was acknowledged when it started); Superset never hears of it, so SQL Lab showed
the query "running" for good while its statement could still run on the database. Celery reports
the loss in the worker's main process through the task_failure signal; this handler marks the
query failed with a message that says what happened, and cancels the statement on the database.

The query is not re-run automatically: a query that exhausts the process's memory would kill
every worker it is given. Reports and thumbnails need nothing here: the report schedule's
working timeout and the next thumbnail request recover them.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.exceptions import WorkerLostError

SQL_LAB_TASK = "sql_lab.get_sql_results"
ERROR_MESSAGE = (
    "The Celery worker process running this query stopped before it finished "
    "(killed, or out of memory: {exception}). The query was not re-run; run it again, "
    "with a smaller result (LIMIT) if it was large."
)
logger = logging.getLogger(__name__)


def fail_lost_sql_lab_query(
    sender: Any = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """task_failure receiver: only a lost SQL Lab task is handled; every other failure passes."""
    if getattr(sender, "name", None) != SQL_LAB_TASK or not isinstance(exception, WorkerLostError):
        return
    query_id = args[0] if args else (kwargs or {}).get("query_id")
    if query_id is None:
        return
    # Imported here: this module is loaded from superset_config, before Superset's app exists.
    from superset import db, sql_lab
    from superset.common.db_query_status import QueryStatus
    from superset.models.sql_lab import Query
    from superset.tasks.celery_app import flask_app
    from superset.utils.dates import now_as_float

    with flask_app.app_context():
        try:
            query = db.session.get(Query, query_id)
            if query is None or query.status not in (QueryStatus.PENDING, QueryStatus.RUNNING):
                return
            # Cancel first: once SQL Lab shows "failed", the statement no longer runs on the database
            # (a fresh-clone CI run caught the other order: failed shown, statement still active).
            try:
                sql_lab.cancel_query(query)
            except Exception:
                logger.exception("Query %s: could not cancel its statement on the database", query_id)
            query.status = QueryStatus.FAILED
            query.error_message = ERROR_MESSAGE.format(exception=exception)
            query.end_time = now_as_float()
            db.session.commit()
            logger.error("Query %s failed: its worker process was lost (%s)", query_id, exception)
        finally:
            db.session.remove()
            # The main process forks the replacement pool process next: it must hold no
            # connection the child would inherit (and close under it).
            db.engine.dispose()
