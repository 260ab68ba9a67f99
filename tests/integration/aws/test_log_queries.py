"""The saved Logs Insights queries find their fields in lines the real runtime writes.

The lines come from the real code: gunicorn started with the web role's own command line (the
entrypoint's argv, only the application swapped for one that answers 500 on a chart's data), and
Superset's logging set up by the configurator superset_config.py installs, through which the event
logger reports an API call, Superset logs an exception and a Celery task raises inside Celery's own
tracer; and Superset with the stack's security manager while people sign in, and fail to. Each query then runs over them in a small re-implementation of the Logs Insights commands
it uses (`filter`, `parse`, `stats ... by`; JSON events discovered as fields, as CloudWatch does),
and must find the groups those lines make, with every field it aggregates present.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from superset_stack.aws.log_queries import QUERIES, LogQuery
from superset_stack.contract import parse as parse_contract
from superset_stack.local.processes import free_port
from superset_stack.runtime.entrypoint import command
from tests.integration.runtime.test_login_events import login_lines
from tests.runtime_venv import CONFIG, SOURCE, runtime_python
from tests.unit.test_contract import LOCAL

RUNTIME_ENV = {
    **LOCAL,
    "SERVER_WORKER_AMOUNT": "1",
    "SERVER_THREADS_AMOUNT": "2",
    "SUPERSET_BIND_ADDRESS": "127.0.0.1",
}
TASK_ID = "5d1c9a3e-4f7b-4c7e-9a51-2f1e8d0c6b42"

PROBE_APP = """
def app(environ, start_response):
    failing = environ["PATH_INFO"].startswith("/api/v1/chart/")
    start_response("500 INTERNAL SERVER ERROR" if failing else "200 OK", [("Content-Type", "text/plain")])
    return [b"boom" if failing else b"ok"]
"""

SUPERSET_AND_CELERY = f"""
import importlib.util, logging, sys
spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)
from superset import config as defaults

# what Superset's app initializer does in a web worker (Superset's own LOG_LEVEL and LOG_FORMAT)
config.LOGGING_CONFIGURATOR.configure_logging(vars(defaults), False)
# an API call as Superset's log_with_context hands it to the event logger
config.EVENT_LOGGER.log(4, "ChartDataRestApi.data", 3, 1234, 7, "https://superset.example.com/superset/dashboard/3/",
                        curated_payload={{"force": False}}, curated_form_data={{"viz_type": "table"}}, database_id=1)
try:
    {{}}["missing"]
except KeyError:
    logging.getLogger("superset.views.base").exception("Dashboard 3 could not be rendered")

# a Celery worker: its logging set up as the worker does, then a task raising inside Celery's tracer
from celery import Celery
from celery.app.trace import build_tracer
app = Celery("probe")
app.log.setup(loglevel="INFO", redirect_stdouts=False)

@app.task(name="reports.execute")
def execute():
    return 1 / 0

build_tracer(execute.name, execute, app=app, store_errors=False)("{TASK_ID}", (), {{}}, {{"id": "{TASK_ID}"}})
"""


def gunicorn_lines(directory: Path) -> list[str]:
    """What the web role's gunicorn writes to stdout for a chart-data request that fails and one
    that works: its own command line, with the probe application instead of Superset."""
    (directory / "probe_app.py").write_text(PROBE_APP)
    port = free_port()
    runtime = parse_contract({**RUNTIME_ENV, "SUPERSET_PORT": str(port)})
    argv = [*command("web", runtime, python=str(runtime_python()))[:-1], "probe_app:app"]
    server = subprocess.Popen(
        argv, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        for path in ("/api/v1/chart/7/data/?form_data=%7B%7D", "/health"):
            _get(f"http://127.0.0.1:{port}{path}")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    return output.splitlines()


def _get(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except urllib.error.HTTPError:
            return  # answered: a 500 is what the probe says for a chart
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def runtime_lines() -> list[str]:
    result = subprocess.run(
        [str(runtime_python()), "-c", SUPERSET_AND_CELERY, str(CONFIG)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), **RUNTIME_ENV},
        capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every line, as the awslogs driver makes each an event (the roles' groups hold the same kinds)."""
    return [
        *gunicorn_lines(tmp_path_factory.mktemp("gunicorn")),
        *runtime_lines(),
        *login_lines(tmp_path_factory.mktemp("logins")),
    ]


# --- the Logs Insights commands the queries use, re-implemented ---------------------------------


SYSTEM_FIELDS = {"@timestamp": 1_796_029_200_000, "@ingestionTime": 1_796_029_201_000,
                 "@logStream": "web/web/0123456789abcdef", "@log": "123456789012:/superset/prod/web"}  # fmt: skip


def discovered(line: str) -> dict[str, Any]:
    """An event's fields: the system fields CloudWatch gives every event, @message, and a JSON
    event's top-level keys (CloudWatch discovers those; not JSON after a prefix)."""
    fields: dict[str, Any] = {**SYSTEM_FIELDS, "@message": line}
    try:
        document = json.loads(line)
    except ValueError:
        return fields
    return {**fields, **document} if isinstance(document, dict) else fields


def python_regex(pattern: str) -> re.Pattern[str]:
    """A Logs Insights `/regex/` with named groups `(?<name>...)` as Python's `(?P<name>...)`."""
    return re.compile(re.sub(r"\(\?<(\w+)>", r"(?P<\1>", pattern))


def holds(clause: str, event: dict[str, Any]) -> bool:
    """One filter clause of the forms the queries use."""
    if match := re.fullmatch(r"ispresent\((\S+)\)", clause):
        return event.get(match[1]) is not None
    comparison = re.fullmatch(r"(\S+) (=|in|like) (.+)", clause)
    assert comparison, f"a filter this re-implementation does not know: {clause}"
    field, operator, operand = comparison.groups()
    value = event.get(field)
    if operator == "=":
        return bool(value == json.loads(operand))
    if operator == "in":
        return value in json.loads(operand)
    return value is not None and python_regex(operand[1:-1]).search(str(value)) is not None


def run(query: LogQuery, events: list[str]) -> Iterator[dict[str, Any]]:
    """The query's rows before aggregation: each event that passes its filters, with its parsed
    fields; then checks the `stats` command's grouping and aggregated fields on every one."""
    rows = [discovered(line) for line in events]
    for step in query.commands:
        verb, _, rest = step.partition(" ")
        if verb == "filter":
            rows = [row for row in rows if all(holds(c, row) for c in rest.split(" and "))]
        elif verb == "parse":
            field, pattern = rest.split(" ", 1)
            regex = python_regex(pattern[1:-1])
            for row in rows:
                match = regex.search(str(row.get(field, "")))
                row.update(match.groupdict() if match else dict.fromkeys(regex.groupindex))
        elif verb == "stats":
            aggregates, _, by = rest.partition(" by ")
            used = re.findall(r"\w+\(([@\w]+)", aggregates)
            for row in rows:
                missing = [f for f in [*by.split(", "), *used] if f != "*" and row.get(f) is None]
                assert not missing, f"{query.short_name}: {missing} missing from {row['@message']!r}"
    yield from rows


def groups(query: LogQuery, events: list[str]) -> list[tuple[Any, ...]]:
    by = next(step for step in query.commands if step.startswith("stats ")).partition(" by ")[2].split(", ")
    return sorted({tuple(row[field] for field in by) for row in run(query, events)})


QUERY = {query.short_name: query for query in QUERIES}


def test_every_query_is_checked_here() -> None:
    assert set(QUERY) == {"errors", "5xx-by-path", "slowest-requests", "celery-task-failures", "active-users",
                          "logins-by-user", "failed-logins-by-address"}  # fmt: skip


def test_errors_are_grouped_by_logger_and_message_not_by_whole_line(lines: list[str]) -> None:
    assert groups(QUERY["errors"], lines) == [
        ("celery.app.trace", f"Task reports.execute[{TASK_ID}] raised unexpected: ZeroDivisionError('division by zero')"),
        ("superset.views.base", "Dashboard 3 could not be rendered"),
    ]  # fmt: skip
    # the guide's `filter @message like /ERROR/` would also miss nothing here, but group each event alone
    assert len([line for line in lines if "ERROR" in line]) == 2


def test_5xx_by_path_reads_gunicorns_access_log(lines: list[str]) -> None:
    access = [line for line in lines if '" 200 ' in line or '" 500 ' in line]
    assert len(access) == 2, lines  # gunicorn wrote both requests
    assert groups(QUERY["5xx-by-path"], lines) == [("500", "GET", "/api/v1/chart/7/data/")]


def test_the_slowest_calls_come_from_the_event_loggers_durations(lines: list[str]) -> None:
    (row,) = run(QUERY["slowest-requests"], lines)
    assert (row["event"], row["duration_ms"]) == ("ChartDataRestApi.data", "1234")


def test_celery_failures_name_the_task_and_the_error(lines: list[str]) -> None:
    (row,) = run(QUERY["celery-task-failures"], lines)
    assert (row["task"], row["task_id"], row["error"]) == (
        "reports.execute",
        TASK_ID,
        "ZeroDivisionError('division by zero')",
    )


def test_active_users_count_the_event_loggers_user_ids(lines: list[str]) -> None:
    assert groups(QUERY["active-users"], lines) == [("4",)]


def test_logins_by_user_count_each_users_sign_ins_per_door(lines: list[str]) -> None:
    rows = list(run(QUERY["logins-by-user"], lines))
    assert sorted((row["user"], row["method"], row["client"]) for row in rows) == [
        ("alice", "api", "192.0.2.7"),
        ("alice", "form", "198.51.100.4"),
    ]


def test_failed_logins_are_grouped_by_the_trusted_client_address(lines: list[str]) -> None:
    rows = list(run(QUERY["failed-logins-by-address"], lines))
    assert groups(QUERY["failed-logins-by-address"], lines) == [("198.51.100.4",)]
    # an unknown name is a failure too: what guessing mostly tries
    assert sorted(row["user"] for row in rows) == ["alice", "mallory"]
