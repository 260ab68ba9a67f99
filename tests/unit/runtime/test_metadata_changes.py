"""Which statements replace the snapshot cache's version: changes to who may do what, or to a dataset."""

from __future__ import annotations

import pytest

from superset_stack.runtime.metadata_changes import WATCHED_TABLES, changes_snapshots

CHANGES = [
    # revoking and granting: Flask-AppBuilder's ORM flush, and by hand
    "DELETE FROM ab_permission_view_role WHERE ab_permission_view_role.role_id = %(role_id)s "
    "AND ab_permission_view_role.permission_view_id = %(permission_view_id)s",
    "INSERT INTO ab_permission_view_role (id, permission_view_id, role_id) VALUES (nextval(...), %(a)s, %(b)s)",
    "INSERT INTO ab_user_role (id, user_id, role_id) VALUES (nextval('ab_user_role_id_seq'), 5, 3)",
    "insert into public.ab_group_role (group_id, role_id) values (1, 2)",
    'DELETE FROM "ab_user_group" WHERE user_id = 4',
    # an account switched off, renamed; a view renamed with its dataset
    "UPDATE ab_user SET active=%(active)s, changed_on=%(changed_on)s WHERE ab_user.id = %(ab_user_id)s",
    "UPDATE ab_user SET last_login=%(last_login)s, username=%(username)s WHERE ab_user.id = %(ab_user_id)s",
    "UPDATE ab_view_menu SET name=%(name)s WHERE ab_view_menu.id = %(ab_view_menu_id)s",
    "DELETE FROM ab_role WHERE ab_role.id = %(id)s",
    "DELETE FROM ab_user WHERE ab_user.id = %(id)s",
    # row-level security, whose filters the cache keeps per user and dataset
    "INSERT INTO row_level_security_filters (name, filter_type, clause) VALUES (%(a)s, %(b)s, %(c)s)",
    "INSERT INTO rls_filter_tables (id, table_id, rls_filter_id) VALUES (1, 2, 3)",
    "UPDATE row_level_security_filters SET clause=%(clause)s WHERE row_level_security_filters.id = 1",
    # a dataset's definition: its row, columns, metrics, owners and database
    "UPDATE tables SET changed_on=%(changed_on)s WHERE tables.id = %(tables_id)s",
    "INSERT INTO sql_metrics (metric_name, expression, table_id) VALUES (%(a)s, %(b)s, %(c)s) RETURNING sql_metrics.id",
    "DELETE FROM table_columns WHERE table_columns.id = %(id)s",
    "INSERT INTO sqlatable_user (user_id, table_id) VALUES (1, 2)",
    "UPDATE dbs SET password=%(password)s WHERE dbs.id = %(dbs_id)s",
    # an update of ab_user the parser cannot read counts as a change
    "UPDATE ab_user SET (active, email) = (false, 'x') WHERE id = 1",
]
NOT_CHANGES = [
    # reads, and every login's bookkeeping
    "SELECT ab_user.id FROM ab_user WHERE ab_user.id = %(pk_1)s",
    "UPDATE ab_user SET last_login=%(last_login)s, login_count=%(login_count)s, "
    "fail_login_count=%(fail_login_count)s WHERE ab_user.id = %(ab_user_id)s",
    "UPDATE ab_user SET fail_login_count=%(fail_login_count)s WHERE ab_user.id = %(ab_user_id)s",
    # new entities nobody holds yet (Superset adds a permission per new dataset)
    "INSERT INTO ab_view_menu (id, name) VALUES (nextval('ab_view_menu_id_seq'), %(name)s) RETURNING ab_view_menu.id",
    "INSERT INTO ab_permission_view (id, permission_id, view_menu_id) VALUES (nextval(...), 1, 2)",
    "INSERT INTO ab_user (id, first_name) VALUES (nextval('ab_user_id_seq'), %(first_name)s)",
    "INSERT INTO ab_role (id, name) VALUES (nextval('ab_role_id_seq'), %(name)s)",
    # a new dataset or database is in no snapshot yet
    "INSERT INTO tables (table_name, database_id) VALUES (%(table_name)s, %(database_id)s) RETURNING tables.id",
    "INSERT INTO dbs (database_name) VALUES (%(database_name)s) RETURNING dbs.id",
    # everything else Superset writes
    "UPDATE slices SET params=%(params)s WHERE slices.id = %(slices_id)s",
    "INSERT INTO logs (action, user_id) VALUES (%(action)s, %(user_id)s)",
    "DELETE FROM key_value WHERE key_value.id = 3",
    "INSERT INTO ab_user_role_history (x) VALUES (1)",
]


@pytest.mark.parametrize("statement", CHANGES)
def test_a_statement_that_changes_who_may_do_what_or_a_dataset_is_a_change(statement: str) -> None:
    assert changes_snapshots(statement)


@pytest.mark.parametrize("statement", NOT_CHANGES)
def test_reads_logins_new_entities_and_other_tables_are_not(statement: str) -> None:
    assert not changes_snapshots(statement)


def test_every_association_row_level_security_and_dataset_table_is_watched() -> None:
    assert {"ab_user_role", "ab_user_group", "ab_group_role", "ab_permission_view_role", "rls_filter_roles",
            "rls_filter_tables", "row_level_security_filters", "tables", "table_columns", "sql_metrics",
            "sqlatable_user", "dbs"} <= WATCHED_TABLES  # fmt: skip
