"""superset_config.py rendered in the real runtime, with an AWS environment and a local one."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from tests.runtime_venv import CONFIG, SOURCE, runtime_python
from tests.unit.test_contract import AWS, LOCAL, MIGRATION

DUMP = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)
backend = config.RESULTS_BACKEND
celery = config.CELERY_CONFIG
print(json.dumps({
    **{k: v for k, v in vars(config).items() if k.isupper() and isinstance(v, (str, int, bool, dict, list, type(None)))},
    "RESULTS_BACKEND_TYPE": type(backend).__name__,
    "RESULTS_BACKEND_BUCKET": getattr(backend, "bucket", None),
    "RESULTS_BACKEND_PREFIX": getattr(backend, "prefix", getattr(backend, "key_prefix", None)),
    "CELERY_BROKER": celery.broker_url, "CELERY_RESULTS": celery.result_backend,
    "CELERY_BEAT": {name: (entry["task"], repr(entry["schedule"]), entry.get("kwargs"))
                    for name, entry in celery.beat_schedule.items()}, "CELERY_ACKS_LATE": celery.task_acks_late,
    "CELERY_TRANSPORT": celery.broker_transport_options,
    "PERMANENT_SESSION_SECONDS": config.PERMANENT_SESSION_LIFETIME.total_seconds(),
}, default=str))
"""


def render(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(runtime_python()), "-c", DUMP, str(CONFIG)],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), "AWS_DEFAULT_REGION": "us-east-1", **environ},
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def config_for(environ: dict[str, str]) -> dict[str, Any]:
    result = render(environ)
    assert result.returncode == 0, result.stderr
    rendered: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return rendered


def test_aws_config_is_hardened_and_uses_tls_everywhere() -> None:
    config = config_for({**AWS, "RESULTS_S3_BUCKET": "results-bucket"})
    assert config["SECRET_KEY"] == "k" * 64
    # the app role, no password: the metadata engine (and it alone) loads the IAM token plugin
    assert config["SQLALCHEMY_DATABASE_URI"] == AWS_URI
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_pre_ping"], options["pool_size"], options["max_overflow"]) == (True, 8, 2)
    assert (options["plugins"], options["superset_stack_iam_region"]) == (
        ["superset_stack_iam_auth"],
        "us-east-1",
    )
    assert options["connect_args"] == {
        "connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
        "keepalives_count": 3, "application_name": "superset-prod",
    }  # fmt: skip
    # every Redis client verifies the certificate and the host name (test_redis_tls.py proves it)
    verified = "ssl_cert_reqs=required&ssl_check_hostname=true"
    assert config["DATA_CACHE_CONFIG"]["CACHE_REDIS_URL"] == (
        f"rediss://:tok%2Fen%401@master.cache.internal:6379/3?{verified}"
        "&socket_connect_timeout=2&socket_timeout=2&health_check_interval=30"
    )
    assert config["CELERY_BROKER"] == f"rediss://:tok%2Fen%401@master.cache.internal:6379/0?{verified}"
    assert config["CELERY_RESULTS"] == f"rediss://:tok%2Fen%401@master.cache.internal:6379/1?{verified}"
    assert (
        config["RATELIMIT_STORAGE_URI"] == f"rediss://:tok%2Fen%401@master.cache.internal:6379/7?{verified}"
    )
    assert (config["RESULTS_BACKEND_TYPE"], config["RESULTS_BACKEND_BUCKET"], config["RESULTS_BACKEND_PREFIX"]) == (
        "S3ResultsBackend", "results-bucket", "sqllab-results/"
    )  # fmt: skip
    assert config["ENABLE_PROXY_FIX"] is True
    # the ALB sets For, Proto and Port; Host and Prefix come from the client (test_like_aws.py)
    assert config["PROXY_FIX_CONFIG"] == {"x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 1, "x_prefix": 0}
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["TALISMAN_ENABLED"] is True
    assert config["TALISMAN_CONFIG"]["force_https"] is True
    assert config["RATELIMIT_ENABLED"] is True
    # per client address, shared by the login form and the login API (security_manager.py)
    assert (config["AUTH_RATE_LIMITED"], config["AUTH_RATE_LIMIT"]) == (True, "10 per minute")
    # a Redis outage must not turn every request into a 500 (docs/failure-behaviour.md)
    assert (config["RATELIMIT_SWALLOW_ERRORS"], config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]) == (
        True,
        True,
    )
    assert config["PERMANENT_SESSION_SECONDS"] == 8 * 3600
    assert (config["DEBUG"], config["SHOW_STACKTRACE"], config["FAB_API_SWAGGER_UI"]) == (False, False, False)
    assert config["PUBLIC_ROLE_LIKE"] is None and config["AUTH_USER_REGISTRATION"] is False
    assert config["SUPERSET_WEBSERVER_TIMEOUT"] == 60
    assert config["WEBDRIVER_BASEURL_USER_FRIENDLY"] == "https://superset.example.com/"
    assert config["CELERY_BEAT"] == {
        "reports.scheduler": ["reports.scheduler", "<crontab: * * * * * (m/h/dM/MY/d)>", None],
        "reports.prune_log": ["reports.prune_log", "<crontab: 5 * * * * (m/h/dM/MY/d)>", None],
        "prune_logs": [
            "prune_logs", "<crontab: 15 * * * * (m/h/dM/MY/d)>", {"retention_period_days": 365, "max_rows_per_run": 10000},
        ],
        "prune_query": ["prune_query", "<crontab: 25 * * * * (m/h/dM/MY/d)>", {"retention_period_days": 180}],
    }  # fmt: skip
    # a killed task is not re-run hours later (docs/failure-behaviour.md); no long wait runs one twice
    assert config["CELERY_ACKS_LATE"] is False
    assert config["CELERY_TRANSPORT"] == {"visibility_timeout": 7 * 3600}
    assert "test-guest-secret-change-me" != config["GUEST_TOKEN_JWT_SECRET"] != config["SECRET_KEY"]


AWS_URI = "postgresql+psycopg2://superset_app@db.internal:5432/superset?sslmode=verify-full&sslrootcert=/app/rds-ca.pem"


def test_the_bootstrap_logs_in_by_password_and_runs_as_the_app_role() -> None:
    config = config_for({**MIGRATION, "SUPERSET_PROCESS": "bootstrap"})
    assert config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg2://superset_admin:p%40ss%3Aw%2Frd%3F@db.internal:5432/superset"
        "?sslmode=verify-full&sslrootcert=/app/rds-ca.pem&options=-c%20role%3Dsuperset_app"
    )
    assert "plugins" not in config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_celery_children_beat_and_bootstrap_get_a_pool_for_one_task_at_a_time() -> None:
    # the entrypoint sets SUPERSET_PROCESS; web keeps its threads' pool (8 + 2, above)
    for process in ("worker", "beat", "bootstrap"):
        options = config_for({**AWS, "SUPERSET_PROCESS": process})["SQLALCHEMY_ENGINE_OPTIONS"]
        assert (options["pool_size"], options["max_overflow"]) == (1, 1), process
    options = config_for({**AWS, "SUPERSET_PROCESS": "web"})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (8, 2)


def test_every_cache_has_its_own_database_and_prefix() -> None:
    config = config_for(AWS)
    caches = [config[name] for name in ("CACHE_CONFIG", "DATA_CACHE_CONFIG", "FILTER_STATE_CACHE_CONFIG",
                                        "EXPLORE_FORM_DATA_CACHE_CONFIG", "THUMBNAIL_CACHE_CONFIG")]  # fmt: skip
    databases = [cache["CACHE_REDIS_URL"].split("?")[0].rsplit("/", 1)[1] for cache in caches]
    prefixes = [cache["CACHE_KEY_PREFIX"] for cache in caches]
    assert len(set(databases)) == len(caches) and len(set(prefixes)) == len(caches)
    assert all(prefix.startswith("superset_prod_") for prefix in prefixes)
    assert all("socket_timeout=2" in cache["CACHE_REDIS_URL"] for cache in caches)


def test_local_config_is_plain_http_and_keeps_results_in_redis() -> None:
    config = config_for(LOCAL)
    assert config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg2://superset_app:app-pass@db.internal:5432/superset?sslmode=disable"
    )
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["ENABLE_PROXY_FIX"] is False
    assert config["TALISMAN_CONFIG"]["force_https"] is False
    assert config["CELERY_BROKER"] == "redis://master.cache.internal:6379/0"
    assert config["RESULTS_BACKEND_TYPE"] == "RedisCache"
    assert config["RATELIMIT_ENABLED"] is True  # on everywhere, not only when SUPERSET_ENV=production


def test_a_malformed_variable_stops_superset_with_its_name() -> None:
    result = subprocess.run(
        [str(runtime_python()), "-c", "import superset.config"],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SOURCE), "SUPERSET_CONFIG_PATH": str(CONFIG),
             **{**AWS, "REDIS_PORT": "sixty"}},
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "REDIS_PORT: expected an integer 1-65535, got 'sixty'" in result.stderr


def test_the_config_reads_the_environment_only_through_the_contract() -> None:
    text = CONFIG.read_text()
    assert text.count("os.environ") == 1 and "parse(os.environ)" in text
    assert "getenv" not in text


def test_optional_caches_fail_open_and_what_users_saved_fails_loudly() -> None:
    config = config_for(AWS)
    kinds = {name: config[name]["CACHE_TYPE"] for name in ("CACHE_CONFIG", "DATA_CACHE_CONFIG", "THUMBNAIL_CACHE_CONFIG",
                                                           "FILTER_STATE_CACHE_CONFIG", "EXPLORE_FORM_DATA_CACHE_CONFIG")}  # fmt: skip
    fail_open = "superset_stack.runtime.fail_open_cache.FailOpenRedisCache"
    assert kinds == {"CACHE_CONFIG": fail_open, "DATA_CACHE_CONFIG": fail_open, "THUMBNAIL_CACHE_CONFIG": fail_open,
                     "FILTER_STATE_CACHE_CONFIG": "RedisCache", "EXPLORE_FORM_DATA_CACHE_CONFIG": "RedisCache"}  # fmt: skip


def test_reports_use_the_workers_chromium_the_internal_url_the_relay_and_the_warm_up() -> None:
    config = config_for({**AWS, "SUPERSET_INTERNAL_URL": "http://web.superset-prod.internal:8088",
                         "SMTP_HOST": "email-smtp.us-east-1.amazonaws.com", "SMTP_USER": "AKIAEXAMPLE",
                         "SMTP_PASSWORD": "pw", "SMTP_MAIL_FROM": "superset@example.com",
                         "SUPERSET_THUMBNAILS": "true", "CACHE_WARMUP_CRON": "0 6 * * 1-5"})  # fmt: skip
    assert (config["WEBDRIVER_TYPE"], config["WEBDRIVER_BASEURL"], config["WEBDRIVER_BASEURL_USER_FRIENDLY"]) == (
        "chrome", "http://web.superset-prod.internal:8088/", "https://superset.example.com/"
    )  # fmt: skip
    assert config["WEBDRIVER_CONFIGURATION"]["service"]["executable_path"] == "/usr/bin/chromedriver"
    assert (config["SMTP_HOST"], config["SMTP_STARTTLS"], config["SMTP_SSL_SERVER_AUTH"], config["SMTP_MAIL_FROM"]) == (
        "email-smtp.us-east-1.amazonaws.com", True, True, "superset@example.com"
    )  # fmt: skip
    assert config["FEATURE_FLAGS"] == {"ALERT_REPORTS": True, "THUMBNAILS": True}
    # weekdays at 06:00 UTC (celery prints minute, hour, day of month, month, day of week)
    assert config["CELERY_BEAT"]["cache-warmup"] == [
        "cache-warmup",
        "<crontab: 0 6 * * 1-5 (m/h/dM/MY/d)>",
        {"strategy_name": "top_n_dashboards", "top_n": 10, "since": "7 days ago"},
    ]
