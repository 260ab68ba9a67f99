"""Dataset snapshots: a request's dataset, columns, metrics and database without a query.

Superset's DatasourceDAO.get_datasource queries the dataset on every chart-data request, twice (for
the query context and again for its query object), and its columns, metrics and database are
loaded on first use: five statements and about a fifth of a cached request's CPU on the twin
(docs/benchmarks.md), for a definition that changes when someone edits the dataset.

install() wraps get_datasource. Within a request that has a version token (snapshot_cache.py), a
dataset already in the request's session is returned as it is, and one in a snapshot taken under
the current token is put into the session from it (merge without loading: no statement). Otherwise
Superset's own lookup runs, and what it found becomes the snapshot. Every change to a dataset, its
columns, metrics, owners or database replaces the token (metadata_changes.py), so a snapshot is
never older than the database. Queries and saved queries, lookups by UUID and everything outside
a request go to Superset's lookup unchanged.
"""

from __future__ import annotations

import pickle
from typing import Any

from flask import current_app
from sqlalchemy.orm.util import identity_key
from superset import db
from superset.connectors.sqla.models import SqlaTable
from superset.daos.datasource import DatasourceDAO
from superset.utils.core import DatasourceType

from superset_stack.runtime.snapshot_cache import DatasetSnapshot, SnapshotCache

_superset_lookup = DatasourceDAO.get_datasource.__func__


def get_datasource(cls: type[DatasourceDAO], datasource_type: Any, database_id_or_uuid: int | str) -> Any:
    cache = current_app.config.get("SNAPSHOT_CACHE")
    if (
        not isinstance(cache, SnapshotCache)
        or datasource_type != DatasourceType.TABLE
        or not str(database_id_or_uuid).isdigit()
        or (token := cache.request_token()) is None
    ):
        return _superset_lookup(cls, datasource_type, database_id_or_uuid)
    dataset_id = int(database_id_or_uuid)
    present = db.session.identity_map.get(identity_key(SqlaTable, dataset_id))
    if present is not None:
        return present
    snapshot = cache.dataset(dataset_id)
    if snapshot is not None:
        return db.session.merge(snapshot.dataset, load=False)
    dataset = _superset_lookup(cls, datasource_type, database_id_or_uuid)
    dataset.columns, dataset.metrics, dataset.database  # noqa: B018 - loaded into the snapshot
    detached = pickle.loads(pickle.dumps(dataset))
    cache.put(dataset_id, DatasetSnapshot(version=token, dataset=detached))
    return dataset


def install() -> None:
    """Serve datasets from snapshots in this process (called once the app exists)."""
    DatasourceDAO.get_datasource = classmethod(get_datasource)
