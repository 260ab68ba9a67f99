"""Where a cached chart-data request's CPU time goes, by layer, from benchmarks/sampler.py's stacks.

Each layer is named by the functions that enter it. A sample belongs to the layer of the innermost
such function on its stack: a statement run for a permission check counts as the permission check,
the permission check's own role loading as role loading, and what no deeper layer claims stays with
the one around it (so "Flask" is Flask's own request handling, not everything under it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# (layer, markers): a marker is found in a frame's "path:function" string
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Test client (stands in for gunicorn's HTTP handling)", ("request_cost_probe.py:ask",)),
    ("Flask and Werkzeug: request context, routing, response", ("flask/app.py:wsgi_app",)),
    ("Talisman: HTTPS check, security headers, CSP nonce", ("flask_talisman/",)),
    ("Rate limiter (Flask-Limiter, counters in Redis)", ("flask_limiter/", "limits/")),
    ("CSRF check", ("flask_wtf/",)),
    ("Authentication: JWT decoding", ("flask_jwt_extended/", "flask_login/", "jwt/")),
    (
        "User, roles and groups loading",
        ("security/manager.py:load_user", "security/manager.py:get_user_roles"),
    ),
    (
        "Permission checks (Flask-AppBuilder, Superset)",
        (
            "flask_appbuilder/security/decorators.py:wraps",
            "security/manager.py:has_access",
            "security/manager.py:_has_view_access",
            "superset/security/manager.py:can_access",
            "superset/security/manager.py:raise_for_access",
        ),
    ),
    ("Row-level security filters", ("security/manager.py:get_rls_filters",)),
    (
        "Metadata database connection: pool checkout, pre-ping, teardown",
        ("sqlalchemy/pool/", "flask_sqlalchemy/"),
    ),
    (
        "Chart-data view (Superset's own steps)",
        ("superset/charts/data/api.py:data", "superset/views/base_api.py:wraps"),
    ),
    (
        "Query-context rebuild: request schema, query objects",
        ("superset/charts/data/api.py:_create_query_context_from_form",),
    ),
    (
        "Dataset and database: loaded (ORM) or from the snapshot",
        (
            "superset/daos/datasource.py:get_datasource",
            "runtime/dataset_snapshots.py:get_datasource",
            "superset/common/query_context.py:get_cache_timeout",
        ),
    ),
    ("Cache key", ("superset/common/query_context_processor.py:query_cache_key",)),
    ("Cache get: Redis and unpickling", ("superset/common/utils/query_cache_manager.py:get",)),
    ("Result to records (pandas)", ("superset/common/query_actions.py:_get_full",)),
    (
        "JSON: request parsing, response serialisation",
        (
            "superset/utils/json.py:dumps",
            "werkzeug/wrappers/request.py:get_json",
            "werkzeug/wrappers/request.py:json",
        ),
    ),
    ("Event logging", ("superset/utils/log.py:", "runtime/event_logger.py:", "logging/__init__.py:")),
)
OTHER = "Outside a request (the probe's loop)"


def layer_of(stack: Sequence[str]) -> str:
    """The layer of the innermost frame that enters one."""
    for frame in reversed(stack):
        for name, markers in LAYERS:
            if any(marker in frame for marker in markers):
                return name
    return OTHER


def by_layer(stacks: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each layer's share of the samples (0..1), in LAYERS' order; layers without samples left out."""
    counts: dict[str, int] = {}
    for sample in stacks:
        name = layer_of(sample["stack"])
        counts[name] = counts.get(name, 0) + int(sample["samples"])
    total = sum(counts.values()) or 1
    order = [name for name, _ in LAYERS] + [OTHER]
    return {name: counts[name] / total for name in order if name in counts}
