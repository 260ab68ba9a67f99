"""The container environment contract: names defined once, every bad value named."""

from __future__ import annotations

import pytest

from superset_stack.contract import VARIABLES, ContractError, names, parse

# A web task on AWS: the app role, by IAM.
AWS = {
    "SUPERSET_ENV": "prod",
    "SUPERSET_PUBLIC_URL": "https://superset.example.com/",
    "DATABASE_HOST": "db.internal",
    "DATABASE_PORT": "5432",
    "DATABASE_DB": "superset",
    "DATABASE_USER": "superset_app",
    "DATABASE_AUTH": "iam",
    "DATABASE_REGION": "us-east-1",
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
# The default twin's web process: the app role by password, plain loopback.
LOCAL = {
    **AWS,
    "SUPERSET_ENV": "local",
    "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088",
    "DATABASE_AUTH": "password",
    "DATABASE_PASSWORD": "app-pass",
    "DATABASE_REGION": "",
    "DATABASE_SSLMODE": "disable",
    "DATABASE_SSLROOTCERT": "",
    "REDIS_TLS": "false",
    "REDIS_AUTH_TOKEN": "",
}
# The migration task: the master user with its password, converging the app role.
MIGRATION = {
    **AWS,
    "DATABASE_USER": "superset_admin",
    "DATABASE_AUTH": "password",
    "DATABASE_PASSWORD": "p@ss:w/rd?",
    "DATABASE_APP_USER": "superset_app",
    "DATABASE_APP_CONNECTION_LIMIT": "400",
}


def problems(base: dict[str, str] = AWS, **changes: str | None) -> tuple[str, ...]:
    environ = {**base, **{key: value for key, value in changes.items() if value is not None}}
    for key, value in changes.items():
        if value is None:
            environ.pop(key)
    with pytest.raises(ContractError) as caught:
        parse(environ)
    return caught.value.problems


def test_names_are_unique_and_secrets_are_marked() -> None:
    assert len(names()) == len(set(names()))
    assert set(names("secret")) == {
        "DATABASE_PASSWORD", "DATABASE_APP_PASSWORD", "REDIS_AUTH_TOKEN", "SUPERSET_SECRET_KEY",
        "SUPERSET_PREVIOUS_SECRET_KEY", "SUPERSET_ADMIN_PASSWORD", "SMTP_PASSWORD", "SLACK_API_TOKEN",
        "OIDC_CLIENT_SECRET", "LDAP_BIND_PASSWORD",
        *(f"WAREHOUSE_CREDENTIAL_{index}" for index in range(20)),
    }  # fmt: skip
    assert all(v.description for v in VARIABLES)


def test_parses_an_aws_environment() -> None:
    runtime = parse(AWS)
    assert runtime.public_url == "https://superset.example.com"
    assert runtime.database_port == 5432
    assert not runtime.local
    assert runtime.gunicorn_timeout == 60  # default
    assert runtime.bind_address == "0.0.0.0"


TLS = "sslmode=verify-full&sslrootcert=/app/rds-ca.pem"


def test_with_iam_the_uri_has_no_password_and_keeps_tls_in_its_query() -> None:
    runtime = parse(AWS)
    assert (runtime.database_auth, runtime.database_region, runtime.database_password) == (
        "iam",
        "us-east-1",
        "",
    )
    # the TLS mode travels in the URI: Alembic builds its engine from the URI alone
    assert runtime.database_uri == f"postgresql+psycopg2://superset_app@db.internal:5432/superset?{TLS}"


def test_the_bootstraps_superset_commands_act_as_the_app_role() -> None:
    bootstrap = parse({**MIGRATION, "SUPERSET_PROCESS": "bootstrap"})
    assert (bootstrap.database_app_user, bootstrap.database_app_connection_limit) == ("superset_app", 400)
    assert bootstrap.database_session_role == "superset_app"
    assert bootstrap.database_uri == (
        "postgresql+psycopg2://superset_admin:p%40ss%3Aw%2Frd%3F@db.internal:5432/superset"
        f"?{TLS}&options=-c%20role%3Dsuperset_app"
    )
    # verify (the DR drill, with the migration's definition) only reads, as the master user
    verify = parse({**MIGRATION, "SUPERSET_PROCESS": "verify"})
    assert verify.database_session_role == ""
    assert (
        verify.database_uri
        == f"postgresql+psycopg2://superset_admin:p%40ss%3Aw%2Frd%3F@db.internal:5432/superset?{TLS}"
    )
    assert parse(MIGRATION).database_app_password == "" and parse(AWS).database_app_connection_limit == -1


@pytest.mark.parametrize(
    ("base", "changes", "expected"),
    [
        (AWS, {"DATABASE_AUTH": "token"}, ("DATABASE_AUTH: got 'token'; allowed: password, iam",)),
        (AWS, {"DATABASE_PASSWORD": "leftover"},
         ("DATABASE_PASSWORD: must be empty with DATABASE_AUTH=iam (each connection gets a token)",)),
        (AWS, {"DATABASE_REGION": ""},
         ("DATABASE_REGION: an AWS region is required with DATABASE_AUTH=iam (tokens are signed for it), got ''",)),
        (AWS, {"DATABASE_SSLMODE": "verify-ca"},
         ("DATABASE_SSLMODE: must be verify-full with DATABASE_AUTH=iam (a token is a password for 15 minutes), "
          "got 'verify-ca'",)),
        (AWS, {"SUPERSET_ENV": "local", "SUPERSET_PUBLIC_URL": "http://127.0.0.1:8088", "DATABASE_SSLMODE": "disable"},
         ("DATABASE_SSLMODE: must be verify-full with DATABASE_AUTH=iam (a token is a password for 15 minutes), "
          "got 'disable'",)),
        (MIGRATION, {"DATABASE_PASSWORD": None}, ("DATABASE_PASSWORD: required with DATABASE_AUTH=password",)),
        (MIGRATION, {"DATABASE_APP_USER": "Superset-App"},
         ("DATABASE_APP_USER: expected a PostgreSQL role name (a-z, 0-9, _; not pg_; at most 63), got 'Superset-App'",)),
        (MIGRATION, {"DATABASE_APP_USER": "pg_app"},
         ("DATABASE_APP_USER: expected a PostgreSQL role name (a-z, 0-9, _; not pg_; at most 63), got 'pg_app'",)),
        (MIGRATION, {"DATABASE_APP_CONNECTION_LIMIT": "-2"}, ("DATABASE_APP_CONNECTION_LIMIT: must be -1-100000, got -2",)),
    ],
)  # fmt: skip
def test_each_way_of_logging_in_gets_what_it_needs(
    base: dict[str, str], changes: dict[str, str | None], expected: tuple[str, ...]
) -> None:
    assert problems(base, **changes) == expected


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
    local = parse(LOCAL)
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


def test_report_delivery_defaults_to_no_mail_and_refuses_plain_smtp_outside_local() -> None:
    runtime = parse(AWS)
    assert (runtime.smtp_host, runtime.smtp_port, runtime.smtp_security, runtime.internal_url) == (
        "",
        587,
        "starttls",
        "",
    )
    assert (runtime.thumbnails, runtime.cache_warmup_cron, runtime.slack_api_token) == (False, "", "")
    assert problems(SMTP_SECURITY="none", SUPERSET_INTERNAL_URL="https://web.internal:8088",
                    CACHE_WARMUP_CRON="hourly", SUPERSET_THUMBNAILS="yes") == (
        "SUPERSET_THUMBNAILS: got 'yes'; allowed: true, false",
        "SMTP_SECURITY: must be starttls or tls outside local (the password and the mail would cross the "
        "network in clear), got 'none'",
        "SUPERSET_INTERNAL_URL: expected an absolute http URL, got 'https://web.internal:8088'",
        "CACHE_WARMUP_CRON: expected 5 cron fields (minute hour day month weekday), got 'hourly'",
    )  # fmt: skip
    # the twin's relay speaks plain SMTP on loopback
    assert parse({**LOCAL, "SMTP_SECURITY": "none"}).smtp_security == "none"


OIDC = {
    "AUTH_TYPE": "oidc",
    "AUTH_ROLES_MAPPING": '{"admins": ["Admin"], "analysts": ["Alpha", "sql_lab"]}',
    "OIDC_ISSUER": "https://idp.example.com",
    "OIDC_CLIENT_ID": "superset",
    "OIDC_CLIENT_SECRET": "s3cret",
}
LDAP = {
    "AUTH_TYPE": "ldap",
    "AUTH_DEFAULT_ROLE": "Gamma",
    "LDAP_SERVER_URL": "ldaps://ldap.example.com",
    "LDAP_BIND_DN": "cn=superset,dc=example,dc=com",
    "LDAP_BIND_PASSWORD": "bind",
    "LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=com",
}


def test_database_sign_in_is_the_default() -> None:
    auth = parse(AWS).auth
    assert (auth.type, auth.sso, auth.roles_mapping, auth.roles_sync_at_login) == (
        "database",
        False,
        {},
        True,
    )


def test_parses_oidc_and_ldap_sign_in() -> None:
    oidc = parse({**AWS, **OIDC, "SUPERSET_PROCESS": "web"}).auth
    assert oidc.sso and oidc.roles_mapping == {"admins": ["Admin"], "analysts": ["Alpha", "sql_lab"]}
    assert (oidc.oidc_scopes, oidc.oidc_groups_claim, oidc.oidc_username_claim, oidc.oidc_provider_name) == (
        ("openid", "email", "profile"), "groups", "sub", "sso")  # fmt: skip
    ldap = parse({**AWS, **LDAP, "LDAP_START_TLS": "false"}).auth
    assert (ldap.default_role, ldap.ldap_uid_field, ldap.ldap_group_field, ldap.ldap_group_search_filter) == (
        "Gamma", "uid", "memberOf", "(member={dn})")  # fmt: skip


def test_only_web_needs_the_sign_in_secret() -> None:
    for secrets in ({**OIDC, "OIDC_CLIENT_SECRET": ""}, {**LDAP, "LDAP_BIND_PASSWORD": ""}):
        assert parse({**AWS, **secrets, "SUPERSET_PROCESS": "worker"}).auth.sso
        with pytest.raises(ContractError) as caught:
            parse({**AWS, **secrets, "SUPERSET_PROCESS": "web"})
        [problem] = caught.value.problems
        assert problem.endswith(f"required by web with AUTH_TYPE={secrets['AUTH_TYPE']}")


def test_sign_in_problems_are_named() -> None:
    assert problems(
        **{
            **OIDC,
            "OIDC_ISSUER": "http://idp.example.com",
            "OIDC_SCOPES": "email",
            "AUTH_ROLES_MAPPING": "[]",
        }
    ) == (
        "AUTH_ROLES_MAPPING: expected a JSON object of group -> list of roles, got '[]'",
        "OIDC_ISSUER: expected an https URL, got 'http://idp.example.com'",
        "OIDC_SCOPES: must include openid, got 'email'",
        "AUTH_ROLES_MAPPING: empty and AUTH_DEFAULT_ROLE empty: nobody could sign in",
    )
    assert problems(**{**LDAP, "LDAP_SERVER_URL": "ldap://ldap.example.com"}) == (
        "LDAP_SERVER_URL: expected ldaps://, or ldap:// with LDAP_START_TLS=true, got 'ldap://ldap.example.com' "
        "with LDAP_START_TLS=false",
    )
    assert problems(AUTH_TYPE="saml", AUTH_ROLES_SYNC_AT_LOGIN="yes") == (
        "AUTH_TYPE: got 'saml'; allowed: database, oidc, ldap",
        "AUTH_ROLES_SYNC_AT_LOGIN: got 'yes'; allowed: true, false",
    )
