"""Error events: ERROR and CRITICAL records as one JSON line each; every other record as before."""

from __future__ import annotations

import io
import json
import logging

from superset_stack.runtime.error_events import ErrorEventFormatter, use_error_events


def logger_writing_to(stream: io.StringIO, name: str = "test.error_events") -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers = [logging.StreamHandler(stream)]
    logger.handlers[0].setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_an_error_with_its_traceback_is_one_json_line_and_info_keeps_its_format() -> None:
    stream = io.StringIO()
    logger = logger_writing_to(stream)
    use_error_events(logger)
    logger.info("chart %s served", 7)
    try:
        {}["missing"]
    except KeyError:
        logger.exception("could not serve chart %s", 7)
    logger.critical("WORKER TIMEOUT (pid:%s)", 12)
    info, error, critical = stream.getvalue().splitlines()
    assert info == "INFO:test.error_events:chart 7 served"
    event = json.loads(error)
    assert {key: event[key] for key in ("level", "logger", "message", "process")} == {
        "level": "ERROR", "logger": "test.error_events", "message": "could not serve chart 7",
        "process": "MainProcess",
    }  # fmt: skip
    assert event["exception"].startswith("Traceback (most recent call last):")
    assert event["exception"].endswith("KeyError: 'missing'")
    assert set(event) == {"level", "logger", "message", "process", "time", "exception"}
    assert json.loads(critical)["level"] == "CRITICAL" and "exception" not in json.loads(critical)


def test_wrapping_twice_changes_nothing_and_a_handler_without_a_formatter_gets_the_default() -> None:
    stream = io.StringIO()
    logger = logger_writing_to(stream, "test.error_events.twice")
    use_error_events(logger)
    wrapped = logger.handlers[0].formatter
    use_error_events(logger)
    assert logger.handlers[0].formatter is wrapped
    bare = logging.getLogger("test.error_events.bare")
    bare.handlers = [logging.StreamHandler(stream)]
    bare.propagate = False
    use_error_events(bare)
    bare.warning("plain %s", "text")
    assert stream.getvalue() == "plain text\n"


def test_the_formatter_keeps_the_wrapped_ones_lines_below_error() -> None:
    plain = logging.Formatter("[%(levelname)s/%(processName)s] %(message)s")
    record = logging.LogRecord("celery", logging.WARNING, __file__, 1, "slow task %s", ("t1",), None)
    assert ErrorEventFormatter(plain).format(record) == "[WARNING/MainProcess] slow task t1"
