"""Which SQL statements outdate the snapshot cache: changes to who may do what, or to a dataset.

The snapshot cache (snapshot_cache.py) keeps users with their roles, groups, permissions and
row-level security filters, and datasets with their columns, metrics and database. One rule covers
every way Superset writes: the ORM's flushes, bulk and Core statements, `superset init`,
migrations and text SQL all reach the database as a statement, so the decision is made on the
statement's text (snapshot_cache.py looks at each one the engine runs).

A statement outdates the snapshots when it inserts into, updates or deletes from one of
WATCHED_TABLES, except:
- an insert into one of ENTITY_TABLES: a new user, role, group, permission, view, dataset or
  database is in nobody's snapshot, and grants nobody anything until an association row links it
  (Superset adds a permission for every new dataset; that alone is no change);
- an update of ab_user that sets only LOGIN_COLUMNS: Flask-AppBuilder counts every login.
Anything the parser does not understand counts as a change: a needless refresh costs one request
some milliseconds, a missed one would serve a revoked permission or an outdated dataset.
"""

from __future__ import annotations

import re

# Flask-AppBuilder's users, roles, groups and permissions; Superset's datasets and databases
ENTITY_TABLES = frozenset(
    {"ab_user", "ab_role", "ab_group", "ab_permission", "ab_view_menu", "ab_permission_view", "tables", "dbs"}
)
SECURITY_LINKS = frozenset({"ab_user_role", "ab_user_group", "ab_group_role", "ab_permission_view_role"})
ROW_LEVEL_SECURITY = frozenset({"row_level_security_filters", "rls_filter_roles", "rls_filter_tables"})
DATASET_PARTS = frozenset({"table_columns", "sql_metrics", "sqlatable_user"})
WATCHED_TABLES = ENTITY_TABLES | SECURITY_LINKS | ROW_LEVEL_SECURITY | DATASET_PARTS
LOGIN_COLUMNS = frozenset({"last_login", "login_count", "fail_login_count"})

_WRITE = re.compile(
    r"^\s*(?P<verb>INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:\"?\w+\"?\.)?\"?(?P<table>\w+)\"?",
    re.IGNORECASE,
)
_SET = re.compile(r"\bSET\b(?P<assignments>.*?)(?:\bWHERE\b|\bRETURNING\b|$)", re.IGNORECASE | re.DOTALL)
_ASSIGNED = re.compile(r"\"?(\w+)\"?\s*=")


def changes_snapshots(statement: str) -> bool:
    """Whether running `statement` can change a user's account, roles, groups, permissions or
    row-level security, or a dataset's definition."""
    write = _WRITE.match(statement)
    if write is None:
        return False
    table = write["table"].lower()
    if table not in WATCHED_TABLES:
        return False
    verb = write["verb"].split()[0].upper()
    if verb == "INSERT":
        return table not in ENTITY_TABLES
    if verb == "UPDATE" and table == "ab_user":
        assignments = _SET.search(statement)
        if assignments is None:
            return True
        columns = {name.lower() for name in _ASSIGNED.findall(assignments["assignments"])}
        return not columns or not columns <= LOGIN_COLUMNS
    return True
