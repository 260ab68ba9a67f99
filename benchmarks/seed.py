"""The benchmark's data: an analytics database on the twin's PostgreSQL, six charts, one dashboard.

The charts group one 20,000-row sales table in different ways, so their results run from one row
to a thousand: the mix a real dashboard sends.
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.client import Api
from superset_stack.local.twin import Twin

SALES_ROWS = 20_000
# (chart name, group-by columns, row limit)
CHARTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Total sales", (), 1),
    ("Sales by region", ("region",), 10),
    ("Sales by product", ("product",), 50),
    ("Sales by region and product", ("region", "product"), 200),
    ("Sales by day", ("day",), 400),
    ("Largest orders", ("region", "product", "day"), 1000),
)


def seed(twin: Twin) -> dict[str, Any]:
    """Create the data, charts and dashboard; the fixture the locust users read."""
    server = twin.postgres()
    server.ensure_database("analytics")
    server.psql(
        "analytics",
        f"""
        DROP TABLE IF EXISTS sales;
        CREATE TABLE sales AS
        SELECT (ARRAY['north', 'south', 'east', 'west', 'central'])[1 + i % 5] AS region,
               'product-' || lpad((i % 37)::text, 2, '0') AS product,
               DATE '2026-01-01' + (i % 365) AS day,
               round((10 + (i * 7919) % 1000)::numeric / 10, 2) AS amount
        FROM generate_series(1, {SALES_ROWS}) AS i;
        ANALYZE sales;
    """,
    )
    password = twin.secrets()["admin_password"]
    api = Api.login(twin.superset_url(), "admin", password)
    uri = server.url("analytics").replace("postgresql://", "postgresql+psycopg2://", 1)
    database = api.create("/api/v1/database/", {"database_name": "analytics", "sqlalchemy_uri": uri})
    dataset = api.create(
        "/api/v1/dataset/", {"database": database, "schema": "public", "table_name": "sales"}
    )
    dashboard = api.create("/api/v1/dashboard/", {"dashboard_title": "Sales", "published": True})
    metric = {
        "expressionType": "SIMPLE",
        "column": {"column_name": "amount"},
        "aggregate": "SUM",
        "label": "total",
    }
    charts = []
    for name, columns, limit in CHARTS:
        params = {"viz_type": "table", "groupby": list(columns), "metrics": [metric], "row_limit": limit}
        chart = api.create(
            "/api/v1/chart/",
            {
                "slice_name": name,
                "viz_type": "table",
                "datasource_id": dataset,
                "datasource_type": "table",
                "params": json.dumps(params),
                "dashboards": [dashboard],
            },
        )
        query = {
            "columns": list(columns),
            "metrics": [metric],
            "orderby": [[metric, False]],
            "row_limit": limit,
        }
        charts.append(
            {
                "id": chart,
                "name": name,
                "query_context": {
                    "datasource": {"id": dataset, "type": "table"},
                    "queries": [query],
                    "result_format": "json",
                    "result_type": "full",
                },
            }
        )
    return {
        "login": {"username": "admin", "password": password, "provider": "db"},
        "dashboard_id": dashboard,
        "charts": charts,
    }
