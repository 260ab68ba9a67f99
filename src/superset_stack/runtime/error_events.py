"""Error events: every ERROR and CRITICAL log record as one JSON line, in every process.

CloudWatch's errors metric counts these events with a JSON filter (`{ $.level = "ERROR" }`,
aws/observability.py) instead of every line that contains the text "ERROR": a traceback, which the
awslogs driver would split into an event per line, stays inside its one event, and a line that
merely mentions the word no longer counts. A record below ERROR keeps the format its framework gave
it, so the logs read as before.

The formatter wraps whatever formatter a handler has, after each framework has set up its logging:
Superset's (LOGGING_CONFIGURATOR: web workers, `superset` commands, the Celery app), gunicorn's
error log, and Celery's own in a worker or beat (after_setup_logger, after_setup_task_logger).
"""

from __future__ import annotations

import json
import logging
from typing import Any

# A record with this attribute (a dict, given as `extra={STRUCTURED: {...}}`) is a structured event
# at any level: one JSON line with these fields too (runtime/reports.py's report executions).
STRUCTURED = "structured_event"


class ErrorEventFormatter(logging.Formatter):
    """ERROR and CRITICAL records, and structured events, as one JSON object a line: level, logger,
    message, time, process, the exception's traceback when there is one and the event's fields; any
    other record through `plain`."""

    def __init__(self, plain: logging.Formatter | None = None) -> None:
        super().__init__()
        self.plain = plain or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, STRUCTURED, None)
        if record.levelno < logging.ERROR and not isinstance(fields, dict):
            return self.plain.format(record)
        event: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "time": self.formatTime(record),
            "process": record.processName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            event["exception"] = record.exc_text
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        if isinstance(fields, dict):
            event.update(fields)
        return json.dumps(event, default=str)


def use_error_events(*loggers: logging.Logger) -> None:
    """Give every handler of `loggers` the error-event formatter around its own (once)."""
    for logger in loggers:
        for handler in logger.handlers:
            if not isinstance(handler.formatter, ErrorEventFormatter):
                handler.setFormatter(ErrorEventFormatter(handler.formatter))


def _on_celery_logging(logger: logging.Logger, **_: Any) -> None:
    """after_setup_logger / after_setup_task_logger receiver: Celery replaced the handlers."""
    use_error_events(logger)


class ErrorEventsConfigurator:
    """Superset's LOGGING_CONFIGURATOR: Superset's default set-up, then error events on the root and
    gunicorn error handlers, and on Celery's once a worker or beat sets up its logging."""

    def configure_logging(self, app_config: Any, debug_mode: bool) -> None:
        # Imported here: the runtime has them, the tooling that imports this module does not.
        from celery.signals import after_setup_logger, after_setup_task_logger
        from superset.utils.logging_configurator import DefaultLoggingConfigurator

        DefaultLoggingConfigurator().configure_logging(app_config, debug_mode)
        use_error_events(logging.getLogger(), logging.getLogger("gunicorn.error"))
        after_setup_logger.connect(_on_celery_logging)
        after_setup_task_logger.connect(_on_celery_logging)
