"""The warehouse drivers the image can install, and the ports their warehouses usually listen on.

Each driver is pinned in runtime/drivers/<name>.lock (PostgreSQL's psycopg2 is in the runtime lock).
The ports are the ones a task must reach: settings say nothing about a warehouse's address, so the
plan warns when a selected driver has no egress destination on any of its ports.
"""

from __future__ import annotations

WAREHOUSE_PORTS: dict[str, tuple[int, ...]] = {
    "clickhouse": (8443, 9440),  # HTTPS interface, native protocol over TLS (ClickHouse Cloud)
    "redshift": (5439,),
    "snowflake": (443,),
    "bigquery": (443,),
}
WAREHOUSE_DRIVERS: tuple[str, ...] = tuple(WAREHOUSE_PORTS)
