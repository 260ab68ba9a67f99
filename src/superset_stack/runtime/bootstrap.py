"""Bootstrap the metadata database: the app role, migrate, init, the admin user from its secret, and
the declared warehouse connections.

Idempotent: safe to run twice and after an upgrade. On ECS it is the one-off migration task that
runs before the web service changes; locally the twin runs it on every `up`. A PostgreSQL
advisory lock serialises concurrent runs, so migrations never run twice at once even if two
bootstraps start together.

It logs in as the master user (the only process that has its password) and first converges the
app role (app_role.py): the role web, worker and beat log in as, which owns the metadata. Then
Superset's commands run as that role (SET ROLE through the connection's options, contract.py's
`database_session_role`), so everything a migration creates belongs to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from superset_stack.contract import ContractError, Runtime, parse
from superset_stack.runtime import app_role
from superset_stack.runtime.warehouses import sync_warehouses

ADVISORY_LOCK_KEY = 0x5E7E75E7  # "superset" bootstrap; any constant shared by all bootstraps


def log(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


@contextmanager
def migration_lock(runtime: Runtime) -> Iterator[Any]:
    """Hold a session-level advisory lock on the metadata database for the block; yield a cursor."""
    import psycopg2

    connect_args = {"sslmode": runtime.database_sslmode, "connect_timeout": 10}
    if runtime.database_sslrootcert:
        connect_args["sslrootcert"] = runtime.database_sslrootcert
    connection = psycopg2.connect(
        host=runtime.database_host,
        port=runtime.database_port,
        dbname=runtime.database_db,
        user=runtime.database_user,
        password=runtime.database_password,
        **connect_args,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            log("waiting for the migration lock")
            cursor.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            yield cursor
    finally:
        connection.close()  # releases the lock


def superset(*args: str) -> None:
    started = time.monotonic()
    log(f"superset {' '.join(args)}")
    # superset.cli.main has no __main__ guard: `python -m` would import it and exit 0 doing nothing.
    subprocess.run(
        [sys.executable, "-c", "from superset.cli.main import superset; superset()", *args], check=True
    )
    log(f"superset {' '.join(args)} done in {time.monotonic() - started:.1f} s")


def ensure_admin(runtime: Runtime) -> None:
    """Create the admin user, or bring its password in line with the secret; enabled with database
    sign-in, disabled under single sign-on (`admin_active`)."""
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        security = app.appbuilder.sm
        user = security.find_user(username=runtime.admin_username)
        if user is None:
            role = security.find_role("Admin")
            created = security.add_user(
                runtime.admin_username,
                "Superset",
                "Admin",
                runtime.admin_email,
                role,
                password=runtime.admin_password,
            )
            if not created:
                raise RuntimeError(f"could not create admin user {runtime.admin_username!r}")
            log(f"created admin user {runtime.admin_username!r}")
        else:
            security.reset_password(user.id, runtime.admin_password)
            log(f"admin user {runtime.admin_username!r} exists; password set from the secret")
        admin_active(security, runtime)


def admin_active(security: Any, runtime: Runtime) -> None:
    """Under oidc or ldap the admin is kept but disabled: Superset has one sign-in type at a time, and
    administrators come from the identity provider's group mapped to Admin. Switching authType back
    to database enables it again with the secret's password (break-glass, docs/operations.md)."""
    user = security.find_user(username=runtime.admin_username)
    wanted = not runtime.auth.sso
    if user.active != wanted:
        user.active = wanted
        security.update_user(user)
    state = "enabled" if wanted else f"disabled (people sign in through {runtime.auth.type})"
    log(f"admin user {runtime.admin_username!r} {state}")


def bootstrap_problems(runtime: Runtime) -> list[str]:
    """What the bootstrap needs beyond the contract: the admin password, and an app role other than
    the user it logs in as."""
    problems = []
    if not runtime.admin_password:
        problems.append("SUPERSET_ADMIN_PASSWORD: required by bootstrap (there is no default password)")
    if runtime.database_auth != "password":
        problems.append(
            f"DATABASE_AUTH: the bootstrap logs in with the master user's password, "
            f"got {runtime.database_auth!r}"
        )
    if not runtime.database_app_user:
        problems.append("DATABASE_APP_USER: required by bootstrap (the role web, worker and beat log in as)")
    elif runtime.database_app_user == runtime.database_user:
        problems.append(
            f"DATABASE_APP_USER: the bootstrap logs in as the master user to create and converge the app "
            f"role, so they must differ; both are {runtime.database_user!r}"
        )
    return problems


def main() -> int:
    try:
        runtime = parse(os.environ)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 2
    problems = bootstrap_problems(runtime)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    with migration_lock(runtime) as cursor:
        for change in app_role.converge(cursor, app_role.AppRole.from_runtime(runtime)):
            log(change)
        log(f"app role {runtime.database_app_user} converged; Superset's commands run as it")
        superset("db", "upgrade")
        cursor.execute("SELECT version_num FROM alembic_version")
        revisions = [row[0] for row in cursor.fetchall()]
        if not revisions:
            print("superset db upgrade left no schema revision; the migration did not run", file=sys.stderr)
            return 1
        log(f"schema at revision {', '.join(revisions)}")
        if runtime.previous_secret_key:
            # SECRET_KEY rotation: stored database passwords move from the old key to the new one.
            # Not `superset re-encrypt-secrets`: in 6.1 it finds no column and changes nothing (reencrypt.py).
            log("re-encrypting stored secrets with the current SECRET_KEY")
            subprocess.run([sys.executable, "-m", "superset_stack.runtime.reencrypt"], check=True)
        superset("init")
        ensure_admin(runtime)
        sync_warehouses(runtime)  # the declared warehouse connections (runtime/warehouses.py)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
