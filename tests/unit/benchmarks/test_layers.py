"""The profile's layers: a sample counts for the innermost layer on its stack."""

from __future__ import annotations

import pytest

from benchmarks.layers import LAYERS, OTHER, by_layer, layer_of

REQUEST = [
    "/repo/benchmarks/request_cost_probe.py:ask",
    "werkzeug/test.py:open",
    "flask/app.py:wsgi_app",
    "flask/app.py:full_dispatch_request",
    "flask_appbuilder/security/decorators.py:wraps",
]
PERMISSION_STATEMENT = [
    *REQUEST,
    "flask_appbuilder/security/manager.py:has_access",
    "flask_appbuilder/security/manager.py:_has_view_access",
    "flask_appbuilder/security/sqla/manager.py:exist_permission_on_roles",
    "sqlalchemy/orm/query.py:scalar",
    "sqlalchemy/engine/base.py:_execute_context",
]
ROLE_LOADING = [
    *PERMISSION_STATEMENT[:7],
    "superset/security/manager.py:get_user_roles",
    "sqlalchemy/orm/strategies.py:x",
]
DATA_VIEW = [*REQUEST, "superset/views/base_api.py:wraps", "superset/utils/log.py:wrapper",
             "superset/charts/data/api.py:data"]  # fmt: skip


@pytest.mark.parametrize(
    ("stack", "layer"),
    [
        (PERMISSION_STATEMENT, "Permission checks (Flask-AppBuilder, Superset)"),
        (ROLE_LOADING, "User, roles and groups loading"),
        ([*DATA_VIEW, "werkzeug/local.py:__get__"], "Chart-data view (Superset's own steps)"),
        ([*DATA_VIEW, "superset/utils/json.py:dumps", "simplejson/encoder.py:encode"],
         "JSON: request parsing, response serialisation"),
        (DATA_VIEW[:-1], "Event logging"),  # the logger's wrapper around the view, outside it
        (REQUEST[:4], "Flask and Werkzeug: request context, routing, response"),
        (["runpy.py:_run_module_as_main", "threading.py:run"], OTHER),
    ],
)  # fmt: skip
def test_a_sample_belongs_to_the_innermost_layer_on_its_stack(stack: list[str], layer: str) -> None:
    assert layer_of(stack) == layer


def test_shares_add_up_to_one_in_the_tables_order() -> None:
    shares = by_layer([
        {"stack": ROLE_LOADING, "samples": 1},
        {"stack": PERMISSION_STATEMENT, "samples": 3},
    ])  # fmt: skip
    assert shares == {
        "User, roles and groups loading": 0.25,
        "Permission checks (Flask-AppBuilder, Superset)": 0.75,
    }
    assert list(shares) == [name for name, _ in LAYERS if name in shares]
