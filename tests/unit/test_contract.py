"""The container environment contract: names defined once, every bad value named."""

from __future__ import annotations

import pytest

from superset_stack.contract import VARIABLES, ContractError, names, parse

AWS = {
    "SUPERSET_ENV": "prod",
    "SUPERSET_PUBLIC_URL": "https://superset.example.com/",
    "DATABASE_HOST": "db.internal",
    "DATABASE_PORT": "5432",
    "DATABASE_DB": "superset",
    "DATABASE_USER": "superset_admin",
    "DATABASE_PASSWORD": "p@ss:w/rd?",
    "DATABASE_SSLMODE": "verify-full",
    "DATABASE_SSLROOTCERT": "/app/rds-ca.pem",
    "REDIS_HOST": "master.cache.internal",
    "REDIS_PORT": "6379",
    "REDIS_TLS": "true",
    "REDIS_AUTH_TOKEN": "tok/en@1",
    "SUPERSET_SECRET_KEY": "k" * 64,
    "SERVER_WORKER_AMOUNT": "4",
    "SERVER_THREADS_AMOUNT": "8",
}


def problems(**changes: str | None) -> tuple[str, ...]:
    environ = {**AWS, **{key: value for key, value in changes.items() if value is not None}}
    for key, value in changes.items():
        if value is None:
            environ.pop(key)
    with pytest.raises(ContractError) as caught:
        parse(environ)
    return caught.value.problems


def test_names_are_unique_and_secrets_are_marked() -> None:
    assert len(names()) == len(set(names()))
    assert set(names("secret")) == {
        "DATABASE_PASSWORD", "REDIS_AUTH_TOKEN", "SUPERSET_SECRET_KEY", "SUPERSET_PREVIOUS_SECRET_KEY",
        "SUPERSET_ADMIN_PASSWORD", *(f"WAREHOUSE_CREDENTIAL_{index}" for index in range(20)),
    }  # fmt: skip
    assert all(v.description for v in VARIABLES)


def test_parses_an_aws_environment() -> None:
    runtime = parse(AWS)
    assert runtime.public_url == "https://superset.example.com"
    assert runtime.database_port == 5432
    assert not runtime.local
    assert runtime.gunicorn_timeout == 60  # default
    assert runtime.bind_address == "0.0.0.0"


def test_database_uri_encodes_the_credentials() -> None:
    assert (
        parse(AWS).database_uri
        == "postgresql+psycopg2://superset_admin:p%40ss%3Aw%2Frd%3F@db.internal:5432/superset"
    )


def test_redis_urls_use_tls_the_token_and_verify_the_host_name() -> None:
    # redis-py 5 (the runtime's) checks no host name unless the URL asks; kombu and Celery read the same
    assert parse(AWS).redis_url(3) == (
        "rediss://:tok%2Fen%401@master.cache.internal:6379/3?ssl_cert_reqs=required&ssl_check_hostname=true"
    )


def test_a_redis_ca_file_and_client_options_join_the_query() -> None:
    runtime = parse({**AWS, "REDIS_CA_FILE": "/etc/twin ca.pem"})
    assert runtime.redis_url(0, socket_timeout="2") == (
        "rediss://:tok%2Fen%401@master.cache.internal:6379/0?ssl_cert_reqs=required&ssl_check_hostname=true"
        "&ssl_ca_certs=/etc/twin%20ca.pem&socket_timeout=2"
    )
    # ECS leaves it empty: the system's CA bundle (ElastiCache's certificates are publicly trusted)
    assert parse(AWS).redis_ca_file == ""


def test_local_redis_has_no_tls_and_no_token() -> None:
    local = parse({**AWS, "SUPERSET_ENV": "local", "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088",
                   "DATABASE_SSLMODE": "disable", "REDIS_TLS": "false", "REDIS_AUTH_TOKEN": ""})  # fmt: skip
    assert local.redis_url(0) == "redis://master.cache.internal:6379/0"
    assert local.local


def test_missing_variables_are_each_named() -> None:
    assert problems(DATABASE_HOST=None, SUPERSET_SECRET_KEY=None) == (
        "DATABASE_HOST: required (metadata database host) but not set",
        "SUPERSET_SECRET_KEY: required (signs sessions, encrypts stored credentials; same on every task) but not set",
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"DATABASE_PORT": "fivefour"}, "DATABASE_PORT: expected an integer 1-65535, got 'fivefour'"),
        ({"REDIS_PORT": "70000"}, "REDIS_PORT: must be 1-65535, got 70000"),
        ({"SUPERSET_ENV": "qa"}, "SUPERSET_ENV: got 'qa'; allowed: dev, staging, prod, local"),
        (
            {"SUPERSET_PUBLIC_URL": "superset.example.com"},
            "SUPERSET_PUBLIC_URL: expected an absolute http(s) URL, got 'superset.example.com'",
        ),
        (
            {"SUPERSET_PUBLIC_URL": "http://superset.example.com"},
            "SUPERSET_PUBLIC_URL: must be https outside local, got 'http://superset.example.com'",
        ),
        (
            {"DATABASE_SSLMODE": "require"},
            "DATABASE_SSLMODE: must verify the server certificate outside local (verify-full), got 'require'",
        ),
        ({"DATABASE_SSLROOTCERT": ""}, "DATABASE_SSLROOTCERT: required with DATABASE_SSLMODE=verify-full"),
        ({"REDIS_TLS": "false"}, "REDIS_TLS: must be true outside local"),
        ({"REDIS_TLS": "yes"}, "REDIS_TLS: got 'yes'; allowed: true, false"),
        ({"REDIS_AUTH_TOKEN": ""}, "REDIS_AUTH_TOKEN: required outside local"),
        ({"SUPERSET_SECRET_KEY": "short"}, "SUPERSET_SECRET_KEY: must be at least 32 characters, got 5"),
        ({"SERVER_THREADS_AMOUNT": "0"}, "SERVER_THREADS_AMOUNT: must be 1-64, got 0"),
        (
            {"RESULTS_S3_BUCKET": "b", "RESULTS_S3_PREFIX": "results"},
            "RESULTS_S3_PREFIX: expected a key prefix ending in '/', got 'results'",
        ),
    ],
)
def test_malformed_values_are_named(changes: dict[str, str], expected: str) -> None:
    assert problems(**changes) == (expected,)


def test_the_process_is_one_the_entrypoint_starts_or_none() -> None:
    assert parse(AWS).process == ""
    assert parse({**AWS, "SUPERSET_PROCESS": "worker"}).process == "worker"
    assert problems(SUPERSET_PROCESS="scheduler") == (
        "SUPERSET_PROCESS: got 'scheduler'; allowed: , web, worker, beat, bootstrap, verify",
    )
