"""Alerts, reports, thumbnails and the cache warm-up: the browser, the way to the web tier, e-mail.

superset_config.py takes `settings(runtime)` into its namespace and adds `beat_schedule(runtime)`
to Celery's; everything here reads the environment contract only.

- The browser: Selenium driving Debian's Chromium and chromedriver (in the worker image, and on the
  twin's machine), headless. `--no-sandbox` because Chromium's sandbox needs user namespaces or a
  setuid helper, which a non-root Fargate task (no SYS_ADMIN, the default seccomp profile) does not
  have; the browser opens only this Superset. `--disable-dev-shm-usage` because Fargate's /dev/shm
  is 64 MiB and cannot be sized: Chromium writes that memory to /tmp (a task volume) instead. The
  driver path is given, so Selenium Manager never looks for (or downloads) a driver.
- The way to the web tier: the worker opens `SUPERSET_INTERNAL_URL` (the web service's Cloud Map
  name on ECS, gunicorn on loopback in the twin) over plain http inside the network. Outside local
  every request must be https (Talisman redirects); :class:`InternalHttps` treats the requests
  that arrive on that host without having passed a load balancer as https, nothing else.
- E-mail through `SMTP_*` (STARTTLS or implicit TLS with the server's certificate verified against
  the system's trust store; plain only locally), Slack through `SLACK_API_TOKEN`.
- Every report or alert execution Superset records is also one JSON log event
  (`{"event": "report_execution", "state": ...}`), which the failed-reports metric counts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from superset_stack.contract import Runtime
from superset_stack.runtime.error_events import STRUCTURED

CHROMIUM = "/usr/bin/chromium"  # Debian's paths, in the worker image and on the twin's machine
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--hide-scrollbars",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
)
REPORT_EVENT = "report_execution"
WARMUP_STRATEGY = "top_n_dashboards"  # the most viewed dashboards of the last week
logger = logging.getLogger(__name__)


def internal_url(runtime: Runtime) -> str:
    """Where the worker reaches the web tier: SUPERSET_INTERNAL_URL, else this task's own gunicorn."""
    return runtime.internal_url or f"http://127.0.0.1:{runtime.port}"


class InternalHttps:
    """WSGI middleware: a request on the internal host is an https request of that origin.

    Only when it carries no X-Forwarded-Proto: the load balancer sets that header on every request
    it forwards (a client can send it `Host: <internal name>`, but never without the header), and
    only tasks of the app security group reach gunicorn directly. Such a request gets the scheme
    https (forced HTTPS and Secure cookies hold) and a Referer of the internal origin presented as
    https, as Flask-WTF's strict check on https wants it: the browser's pages there are http, and
    Superset's warm-up sends none to an http URL.
    """

    def __init__(self, app: Callable[..., Any], *, host: str) -> None:
        self.app = app
        self.host = host

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("HTTP_HOST") == self.host and "HTTP_X_FORWARDED_PROTO" not in environ:
            environ["wsgi.url_scheme"] = "https"
            referer = environ.get("HTTP_REFERER", f"http://{self.host}/")
            if referer == f"http://{self.host}" or referer.startswith(f"http://{self.host}/"):
                environ["HTTP_REFERER"] = "https" + referer[len("http") :]
        return self.app(environ, start_response)


def _smtp(runtime: Runtime) -> dict[str, Any]:
    return {
        # empty: a report's e-mail fails on connect (and is logged) instead of going to a stranger
        "SMTP_HOST": runtime.smtp_host or "localhost",
        "SMTP_PORT": runtime.smtp_port,
        "SMTP_STARTTLS": runtime.smtp_security == "starttls",
        "SMTP_SSL": runtime.smtp_security == "tls",
        # the relay's certificate is verified (chain and host name) against the system's store
        "SMTP_SSL_SERVER_AUTH": runtime.smtp_security != "none",
        "SMTP_USER": runtime.smtp_user,
        "SMTP_PASSWORD": runtime.smtp_password,
        "SMTP_MAIL_FROM": runtime.smtp_mail_from,
        "EMAIL_REPORTS_SUBJECT_PREFIX": "[Superset]",  # Superset adds the space
    }


def authenticate_webdriver(driver: Any, user: Any) -> Any:
    """Superset's machine login, without its race: Superset opens /login/ to set the session
    cookie, and that page's own requests (its event-log beacon, redirected to /login/ again) can
    land after the cookie and replace it with an anonymous one: the report then photographs the
    login page or times out (measured on the twin: a first chart report failed so). /health sends
    no script and sets no cookie on the same origin."""
    from superset.utils.machine_auth import MachineAuthProvider
    from superset.utils.urls import headless_url

    driver.get(headless_url("/health"))
    for name, value in MachineAuthProvider.get_auth_cookies(user).items():
        driver.add_cookie({"name": name, "value": value})
    return driver


def _browser() -> dict[str, Any]:
    return {
        "WEBDRIVER_TYPE": "chrome",
        "WEBDRIVER_AUTH_FUNC": authenticate_webdriver,
        "WEBDRIVER_OPTION_ARGS": list(BROWSER_ARGS),
        "WEBDRIVER_CONFIGURATION": {
            "service": {
                "executable_path": CHROMEDRIVER,
                "log_output": "/dev/null",
                "service_args": [],
                "port": 0,
                "env": {},
            },
            "options": {"capabilities": {}, "preferences": {}},
        },
        # a chart waits for its data: the first query of a cold cache on a small task takes seconds
        "SCREENSHOT_LOCATE_WAIT": 30,
        "SCREENSHOT_LOAD_WAIT": 120,
    }


def settings(runtime: Runtime) -> dict[str, Any]:
    """The Superset configuration keys of this module, by name."""
    base = internal_url(runtime)
    return {
        **_browser(),
        **_smtp(runtime),
        "WEBDRIVER_BASEURL": f"{base}/",
        "WEBDRIVER_BASEURL_USER_FRIENDLY": f"{runtime.public_url}/",
        # locally nothing is forced to https (and users open that very address)
        "ADDITIONAL_MIDDLEWARE": []
        if runtime.local
        else [functools.partial(InternalHttps, host=urlsplit(base).netloc)],
        "SLACK_API_TOKEN": runtime.slack_api_token or None,
        "ALERT_REPORTS_NOTIFICATION_DRY_RUN": False,
        # a report task that hangs (a browser that never answers) is killed, not left holding a process
        "ALERT_REPORTS_WORKING_TIME_OUT_KILL": True,
        "ALERT_REPORTS_DEFAULT_WORKING_TIMEOUT": int(timedelta(minutes=10).total_seconds()),
    }


def feature_flags(runtime: Runtime) -> dict[str, bool]:
    return {"ALERT_REPORTS": True, "THUMBNAILS": runtime.thumbnails}


def beat_schedule(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The dashboard cache warm-up on CACHE_WARMUP_CRON (UTC), when set."""
    if not runtime.cache_warmup_cron:
        return {}
    from celery.schedules import crontab

    minute, hour, day, month, weekday = runtime.cache_warmup_cron.split()
    return {
        "cache-warmup": {
            "task": "cache-warmup",
            "schedule": crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month,
                                day_of_week=weekday),
            "kwargs": {"strategy_name": WARMUP_STRATEGY, "top_n": runtime.cache_warmup_top_dashboards,
                       "since": "7 days ago"},
        }
    }  # fmt: skip


# --- structured report events --------------------------------------------------------------------


def report_event(log: Any) -> dict[str, Any]:
    """The fields of one execution log row (superset.reports.models.ReportExecutionLog)."""
    schedule = log.report_schedule
    duration = (log.end_dttm - log.start_dttm).total_seconds() if log.end_dttm and log.start_dttm else None
    return {
        "event": REPORT_EVENT,
        "report_id": log.report_schedule_id,
        "report_name": getattr(schedule, "name", None),
        "report_type": str(getattr(schedule, "type", "")) or None,
        "state": str(log.state),
        "execution_id": str(log.uuid) if log.uuid else None,
        "duration_seconds": duration,
        "error": log.error_message or None,
    }


def _on_execution_log(_mapper: Any, _connection: Any, target: Any) -> None:
    event = report_event(target)
    level = logging.WARNING if event["state"] == "Error" else logging.INFO
    logger.log(level, "report %s: %s", event["report_id"], event["state"], extra={STRUCTURED: event})


def log_report_executions(_app: Any) -> None:
    """Log every ReportExecutionLog row Superset inserts as one JSON event (once per process)."""
    from sqlalchemy import event
    from superset.reports.models import ReportExecutionLog

    if not event.contains(ReportExecutionLog, "after_insert", _on_execution_log):
        event.listen(ReportExecutionLog, "after_insert", _on_execution_log)
