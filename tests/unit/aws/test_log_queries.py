"""LogQueries: one saved Logs Insights query per row, in the stack's folder, on its roles' groups.
(That each query finds its fields in real log lines: tests/integration/aws/test_log_queries.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.log_queries import QUERIES, LogQueries, LogQueriesArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
GROUPS = {role: f"/superset/prod/{role}" for role in ("web", "worker", "beat", "migration")}


def test_one_saved_query_per_row_in_the_stacks_folder_on_its_log_groups(build: Build) -> None:
    mocks = build(
        lambda: LogQueries("queries", LogQueriesArgs(folder="superset/prod", log_group_names=GROUPS))
    )
    saved = {r.name: r.inputs for r in mocks.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")}
    assert {name: (inputs["name"], inputs["logGroupNames"]) for name, inputs in saved.items()} == {
        "queries-errors": ("superset/prod/Errors by logger and message", list(GROUPS.values())),
        "queries-5xx-by-path": ("superset/prod/5xx answered by Superset, by path", ["/superset/prod/web"]),
        "queries-slowest-requests": ("superset/prod/Slowest API calls (p95 and max, ms)", ["/superset/prod/web"]),
        "queries-celery-task-failures": ("superset/prod/Celery task failures", ["/superset/prod/worker"]),
        "queries-active-users": ("superset/prod/Active users (API calls by user id)", ["/superset/prod/web"]),
        "queries-logins-by-user": ("superset/prod/Logins by user", ["/superset/prod/web"]),
        "queries-failed-logins-by-address": ("superset/prod/Failed logins by client address", ["/superset/prod/web"]),
    }  # fmt: skip
    assert saved["queries-errors"]["queryString"] == (
        'fields @timestamp, @log, logger, message, exception\n| filter level in ["ERROR", "CRITICAL"]\n'
        "| stats count(*) as events, latest(@timestamp) as last_seen, latest(@logStream) as stream by logger, message\n"
        "| sort events desc\n| limit 100"
    )
    assert all(r.parent == "queries" for r in mocks.of_type("aws:cloudwatch/queryDefinition:QueryDefinition"))


def test_queries_are_pipelines_of_one_command_per_line() -> None:
    for query in QUERIES:
        assert query.query.split("\n| ") == list(query.commands)
        assert all("\n" not in command and not command.startswith("|") for command in query.commands)


def test_a_role_without_a_log_group_is_named(build: Build) -> None:
    args = LogQueriesArgs(folder="superset/prod", log_group_names={"web": "/superset/prod/web"})
    with pytest.raises(
        ValueError, match="log_group_names lacks the roles beat, migration, worker the queries read"
    ):
        LogQueries("queries", args)
