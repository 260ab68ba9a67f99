"""Superset 6.1.0's Celery task teardown, fixed: no ERROR logged after every task.

superset/tasks/celery_app.py connects `teardown` to task_postrun. task_postrun fires after
Superset's AppContextTask has popped the task's app context, so its `db.session.remove()` raises
"Working outside of application context" and Celery logs that as an ERROR with a traceback, once
per task: every minute from beat's reports.scheduler alone (apache/superset#36892). Nothing is
left undone meanwhile: popping the app context already removed the session (Flask-SQLAlchemy's
teardown_appcontext). Upstream fixed it after 6.1.0 (apache/superset#37574) by doing the removal
only inside an app context; `teardown` here is Superset's receiver with that check, swapped in for
Superset's when a worker starts. Drop this module with the upgrade past 6.1.0.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context


def teardown(retval: Any, *args: Any, **kwargs: Any) -> None:
    """Superset's task_postrun receiver, run only inside an app context (apache/superset#37574)."""
    if not has_app_context():
        return  # the task's app context is gone, and its session with it
    from superset.extensions import db

    if current_app.config.get("SQLALCHEMY_COMMIT_ON_TEARDOWN") and not isinstance(retval, Exception):
        db.session.commit()
    if not current_app.config.get("CELERY_ALWAYS_EAGER"):
        db.session.remove()


def use_fixed_teardown(**_: Any) -> None:
    """worker_init receiver: Superset's teardown out of task_postrun, the fixed one in."""
    from celery.signals import task_postrun
    from superset.tasks import celery_app

    superset_teardown = getattr(celery_app, "teardown", None)
    if superset_teardown is not None:  # a later Superset may move it
        task_postrun.disconnect(superset_teardown)
    task_postrun.connect(teardown)
