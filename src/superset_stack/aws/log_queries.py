"""LogQueries: CloudWatch Logs Insights queries saved for the stack's log groups.

Creates one `aws.cloudwatch.QueryDefinition` per row of :data:`QUERIES`, named
`superset/<stack>/<title>` (a folder per stack in the console's saved queries), on the log groups of
the roles the row reads. Each query parses what the processes really write (a test runs them over
lines the real runtime produces: tests/integration/aws/test_log_queries.py):

- web, worker, beat, migration: every ERROR and CRITICAL record is one JSON event
  (runtime/error_events.py), so Logs Insights discovers `level`, `logger`, `message`, `exception`.
- web: gunicorn's access log in its default format (runtime/entrypoint.py sets no format): client,
  time, request line and status, no duration. It holds the 5xx Superset answered; 502/503/504 the
  load balancer made itself (a timed-out or dead task) are only in its access logs in S3 and the
  HTTPCode_ELB_5XX metric (aws/observability.py alarms on both).
- web: Superset's API-call events (runtime/event_logger.py), one JSON object after Superset's log
  prefix (`<time>:INFO:superset.events:{...}`), with the action, the user id and the duration in
  ms; not a whole-JSON event, so the fields are parsed out of the message.
- worker: a task that raised is Celery's `Task <name>[<id>] raised unexpected: <error>` ERROR from
  `celery.app.trace`, a JSON event like every error.
- web: every sign-in and every refused one is a JSON event (runtime/login_events.py) with `event`
  "login", `outcome`, `user`, `method` (form, api, sso) and `client` (the address the proxy fix
  trusts): logins by user, and refused logins by address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ALL_ROLES = ("web", "worker", "beat", "migration")


@dataclass(frozen=True, kw_only=True)
class LogQuery:
    """A row of the table: one saved query.

    Attributes:
        short_name: the resource's name after the component's (``<name>-<short_name>``).
        title: the saved query's name in the stack's folder.
        roles: the log groups it reads, by role.
        commands: the Logs Insights commands, joined with pipes.
    """

    short_name: str
    title: str
    roles: tuple[str, ...]
    commands: tuple[str, ...]

    @property
    def query(self) -> str:
        return "\n| ".join(self.commands)


QUERIES: tuple[LogQuery, ...] = (
    # The guide's `filter @message like /ERROR/ | stats count() by @message` counts every line that
    # mentions the word and groups by whole lines (each has its own time): one row per event.
    LogQuery(
        short_name="errors",
        title="Errors by logger and message",
        roles=ALL_ROLES,
        commands=(
            "fields @timestamp, @log, logger, message, exception",
            'filter level in ["ERROR", "CRITICAL"]',
            "stats count(*) as events, latest(@timestamp) as last_seen, latest(@logStream) as stream "
            "by logger, message",
            "sort events desc",
            "limit 100",
        ),
    ),
    LogQuery(
        short_name="5xx-by-path",
        title="5xx answered by Superset, by path",
        roles=("web",),
        commands=(
            "fields @timestamp, @message",
            r'parse @message /^\S+ \S+ \S+ \[[^\]]+\] "(?<method>[A-Z]+) (?<path>[^ ?"]+)[^"]*" '
            r"(?<status>\d{3}) /",
            "filter status like /^5/",
            "stats count(*) as responses, latest(@timestamp) as last_seen by status, method, path",
            "sort responses desc",
            "limit 100",
        ),
    ),
    LogQuery(
        short_name="slowest-requests",
        title="Slowest API calls (p95 and max, ms)",
        roles=("web",),
        commands=(
            "fields @timestamp, @message",
            r"filter @message like /:superset\.events:\{/",
            r'parse @message /"event": "(?<event>[^"]+)"/',
            r'parse @message /"duration_ms": (?<duration_ms>\d+)/',
            "filter ispresent(duration_ms)",
            "stats count(*) as calls, avg(duration_ms) as avg_ms, pct(duration_ms, 95) as p95_ms, "
            "max(duration_ms) as max_ms by event",
            "sort p95_ms desc",
            "limit 50",
        ),
    ),
    LogQuery(
        short_name="celery-task-failures",
        title="Celery task failures",
        roles=("worker",),
        commands=(
            "fields @timestamp, message, exception",
            'filter level = "ERROR" and logger = "celery.app.trace"',
            r"parse message /^Task (?<task>[^\[]+)\[(?<task_id>[^\]]+)\] raised unexpected: (?<error>.*)$/",
            "stats count(*) as failures, latest(error) as last_error, latest(task_id) as last_task_id, "
            "latest(@timestamp) as last_seen by task",
            "sort failures desc",
        ),
    ),
    LogQuery(
        short_name="active-users",
        title="Active users (API calls by user id)",
        roles=("web",),
        commands=(
            "fields @timestamp, @message",
            r"filter @message like /:superset\.events:\{/",
            r'parse @message /"user_id": (?<user_id>\d+)/',
            r'parse @message /"event": "(?<event>[^"]+)"/',
            "filter ispresent(user_id)",
            "stats count(*) as calls, count_distinct(event) as actions, earliest(@timestamp) as first_seen, "
            "latest(@timestamp) as last_seen by user_id",
            "sort calls desc",
        ),
    ),
    LogQuery(
        short_name="logins-by-user",
        title="Logins by user",
        roles=("web",),
        commands=(
            "fields @timestamp, user, method, client",
            'filter event = "login" and outcome = "success"',
            "stats count(*) as logins, count_distinct(client) as addresses, "
            "earliest(@timestamp) as first_login, latest(@timestamp) as last_login by user, method",
            "sort logins desc",
        ),
    ),
    LogQuery(
        short_name="failed-logins-by-address",
        title="Failed logins by client address",
        roles=("web",),
        commands=(
            "fields @timestamp, user, method, client",
            'filter event = "login" and outcome = "failure"',
            "stats count(*) as failures, count_distinct(user) as user_names, latest(user) as last_user, "
            "latest(@timestamp) as last_seen by client",
            "sort failures desc",
            "limit 100",
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class LogQueriesArgs:
    """Inputs for :class:`LogQueries`.

    Attributes:
        folder: the saved queries' folder, e.g. ``superset/prod``.
        log_group_names: the stack's log groups by role (web, worker, beat, migration).
    """

    folder: str
    log_group_names: Mapping[str, pulumi.Input[str]]


class LogQueries(pulumi.ComponentResource):
    """The saved Logs Insights queries of one stack (:data:`QUERIES`)."""

    query_names: Sequence[str]

    def __init__(self, name: str, args: LogQueriesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:log_queries:LogQueries", name, None, opts)
        missing = sorted({role for row in QUERIES for role in row.roles} - set(args.log_group_names))
        if missing:
            raise ValueError(f"log_group_names lacks the roles {', '.join(missing)} the queries read")
        child = pulumi.ResourceOptions(parent=self)
        for row in QUERIES:
            aws.cloudwatch.QueryDefinition(
                f"{name}-{row.short_name}",
                name=f"{args.folder}/{row.title}",
                log_group_names=[args.log_group_names[role] for role in row.roles],
                query_string=row.query,
                opts=child,
            )
        self.query_names = [f"{args.folder}/{row.title}" for row in QUERIES]
        self.register_outputs({"query_names": self.query_names})
