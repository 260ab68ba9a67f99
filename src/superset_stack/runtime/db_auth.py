"""IAM database authentication for the metadata database: a new token for every new connection.

On AWS web, worker and beat log in as the app role with DATABASE_AUTH=iam, so no password reaches
them and the RDS master password can rotate under them. superset_config.py names the plugin below
in the metadata engine's options, and only there: Alembic's engine (the bootstrap, which logs in
with the master password) and the engines Superset makes for users' databases never load it.

The plugin listens to its engine's `do_connect` and puts a token into the parameters of each new
connection: boto3's `generate_db_auth_token` signs the connection's own host, port and user with
the task role's credentials, locally (no network call). RDS accepts a token for 15 minutes and
only to open a connection, so one per connection is never reused past that; an open connection
stays open, and the pool's recycling (30 minutes) opens the next with a fresh token.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from sqlalchemy import event
from sqlalchemy.dialects import plugins
from sqlalchemy.engine import CreateEnginePlugin

PLUGIN = "superset_stack_iam_auth"
REGION_OPTION = "superset_stack_iam_region"  # the engine option the plugin takes (and removes)


def engine_options(region: str) -> dict[str, Any]:
    """Engine options that load the plugin into one engine (create_engine's `plugins`)."""
    plugins.register(PLUGIN, __name__, IamAuthentication.__name__)
    return {"plugins": [PLUGIN], REGION_OPTION: region}


class IamAuthentication(CreateEnginePlugin):  # type: ignore[misc]
    """Gives each new connection of its engine a fresh IAM token as its password."""

    def __init__(self, url: Any, kwargs: dict[str, Any]) -> None:
        super().__init__(url, kwargs)
        self.region: str = kwargs.pop(REGION_OPTION)
        self._client: Any = None
        self._client_pid = 0

    def engine_created(self, engine: Any) -> None:
        event.listen(engine, "do_connect", self.provide_token)

    def client(self) -> Any:
        """The RDS client of this process: a Celery or gunicorn child forked from its parent makes
        its own, never sharing the parent's credential fetcher's connections."""
        if self._client is None or self._client_pid != os.getpid():
            self._client = boto3.client("rds", region_name=self.region)
            self._client_pid = os.getpid()
        return self._client

    def provide_token(self, _dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = self.client().generate_db_auth_token(
            DBHostname=cparams["host"],
            Port=int(cparams.get("port", 5432)),
            DBUsername=cparams["user"],
            Region=self.region,
        )
