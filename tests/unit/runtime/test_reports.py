"""Reports: the internal-https middleware, the settings per environment, the report events."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from superset_stack.contract import parse
from superset_stack.runtime.error_events import ErrorEventFormatter
from superset_stack.runtime.reports import (
    BROWSER_ARGS,
    CHROMEDRIVER,
    InternalHttps,
    _on_execution_log,
    internal_url,
    report_event,
    settings,
)
from tests.unit.test_contract import AWS

INTERNAL = "web.superset-prod.internal:8088"


def seen_by_the_app(**environ: str) -> dict[str, Any]:
    """The WSGI environ the wrapped app receives for a request with these CGI variables."""
    received: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        received.update(environ)
        return []

    InternalHttps(app, host=INTERNAL)({"wsgi.url_scheme": "http", **environ}, lambda *_: None)
    return received


def test_a_request_on_the_internal_name_is_https_with_an_https_referer_of_that_origin() -> None:
    seen = seen_by_the_app(HTTP_HOST=INTERNAL, HTTP_REFERER=f"http://{INTERNAL}/explore/?slice_id=1")
    assert (seen["wsgi.url_scheme"], seen["HTTP_REFERER"]) == (
        "https",
        f"https://{INTERNAL}/explore/?slice_id=1",
    )
    # Superset's cache warm-up sends no Referer to an http URL; Flask-WTF wants one on https
    assert seen_by_the_app(HTTP_HOST=INTERNAL)["HTTP_REFERER"] == f"https://{INTERNAL}/"


def test_nothing_changes_for_requests_through_the_load_balancer_or_on_other_hosts() -> None:
    # the load balancer always sets X-Forwarded-Proto, even when a client sends the internal Host
    through_alb = seen_by_the_app(HTTP_HOST=INTERNAL, HTTP_X_FORWARDED_PROTO="http")
    assert through_alb["wsgi.url_scheme"] == "http" and "HTTP_REFERER" not in through_alb
    public = seen_by_the_app(HTTP_HOST="superset.example.com", HTTP_REFERER="http://evil.example/")
    assert (public["wsgi.url_scheme"], public["HTTP_REFERER"]) == ("http", "http://evil.example/")
    # a Referer of another origin stays what it was (the CSRF check then refuses it)
    other = seen_by_the_app(HTTP_HOST=INTERNAL, HTTP_REFERER="http://evil.example/")
    assert other["HTTP_REFERER"] == "http://evil.example/"


def test_on_aws_the_browser_opens_the_internal_url_and_mail_links_the_public_one() -> None:
    runtime = parse({**AWS, "SUPERSET_INTERNAL_URL": f"http://{INTERNAL}/", "SMTP_HOST": "email-smtp.us-east-1.amazonaws.com",
                     "SMTP_USER": "AKIAEXAMPLE", "SMTP_PASSWORD": "pw", "SLACK_API_TOKEN": "xoxb-1"})  # fmt: skip
    config = settings(runtime)
    assert (config["WEBDRIVER_BASEURL"], config["WEBDRIVER_BASEURL_USER_FRIENDLY"]) == (
        f"http://{INTERNAL}/", "https://superset.example.com/"
    )  # fmt: skip
    [middleware] = config["ADDITIONAL_MIDDLEWARE"]
    assert middleware(lambda *_: []).host == INTERNAL
    assert {key: config[key] for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_SSL", "SMTP_SSL_SERVER_AUTH",
                                         "SMTP_USER", "SMTP_PASSWORD", "SLACK_API_TOKEN")} == {
        "SMTP_HOST": "email-smtp.us-east-1.amazonaws.com", "SMTP_PORT": 587, "SMTP_STARTTLS": True, "SMTP_SSL": False,
        "SMTP_SSL_SERVER_AUTH": True, "SMTP_USER": "AKIAEXAMPLE", "SMTP_PASSWORD": "pw", "SLACK_API_TOKEN": "xoxb-1",
    }  # fmt: skip
    assert config["WEBDRIVER_TYPE"] == "chrome" and "--no-sandbox" in config["WEBDRIVER_OPTION_ARGS"]
    assert config["WEBDRIVER_CONFIGURATION"]["service"]["executable_path"] == CHROMEDRIVER
    assert "--disable-dev-shm-usage" in BROWSER_ARGS  # Fargate's /dev/shm is 64 MiB


def test_implicit_tls_and_no_slack() -> None:
    config = settings(parse({**AWS, "SMTP_SECURITY": "tls", "SMTP_PORT": "465"}))
    assert (config["SMTP_STARTTLS"], config["SMTP_SSL"], config["SMTP_SSL_SERVER_AUTH"], config["SLACK_API_TOKEN"]) == (
        False, True, True, None
    )  # fmt: skip


def test_locally_the_browser_opens_its_own_gunicorn_and_nothing_is_rewritten() -> None:
    local = {**AWS, "SUPERSET_ENV": "local", "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088", "DATABASE_SSLMODE": "disable",
             "DATABASE_AUTH": "password", "DATABASE_PASSWORD": "app-pass", "REDIS_TLS": "false",
             "SMTP_SECURITY": "none", "SUPERSET_PORT": "8099"}  # fmt: skip
    runtime = parse(local)
    assert internal_url(runtime) == "http://127.0.0.1:8099"
    config = settings(runtime)
    assert config["ADDITIONAL_MIDDLEWARE"] == []  # nothing is forced to https locally
    assert (config["SMTP_STARTTLS"], config["SMTP_SSL"], config["SMTP_SSL_SERVER_AUTH"]) == (
        False,
        False,
        False,
    )


def execution_log(state: str, error: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        report_schedule=SimpleNamespace(name="Sales", type="Report"), report_schedule_id=7, state=state,
        uuid="0b6e", error_message=error, start_dttm=datetime(2026, 11, 30, 12, 0, 0),
        end_dttm=datetime(2026, 11, 30, 12, 0, 9, 500000),
    )  # fmt: skip


def test_a_report_execution_is_one_json_event_and_a_failure_a_warning(caplog: Any) -> None:
    assert report_event(execution_log("Success")) == {
        "event": "report_execution", "report_id": 7, "report_name": "Sales", "report_type": "Report",
        "state": "Success", "execution_id": "0b6e", "duration_seconds": 9.5, "error": None,
    }  # fmt: skip
    with caplog.at_level(logging.INFO, logger="superset_stack.runtime.reports"):
        _on_execution_log(None, None, execution_log("Error", "Failed taking a screenshot"))
    [record] = caplog.records
    assert record.levelname == "WARNING"
    line = json.loads(ErrorEventFormatter().format(record))  # what CloudWatch's filter reads
    assert (line["event"], line["state"], line["error"]) == (
        "report_execution",
        "Error",
        "Failed taking a screenshot",
    )
