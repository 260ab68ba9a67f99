"""Re-encrypt Superset's stored secrets from SUPERSET_PREVIOUS_SECRET_KEY to SUPERSET_SECRET_KEY.

`superset re-encrypt-secrets` in Superset 6.1 finds no encrypted column and exits 0 having changed
nothing (apache/superset#39391): it looks for them in `db.metadata`, while the models are declared
on flask_appbuilder's `Model.metadata`. After a SECRET_KEY rotation every stored database password
would then stop decrypting. This runs Superset's own SecretsMigrator over the right metadata (the
upstream fix, apache/superset#39390) and prints the columns it covered and the rows it read.

The bootstrap runs it when SUPERSET_PREVIOUS_SECRET_KEY is set. A value that already decrypts with
the current key is left alone, so a second run changes nothing; a value that decrypts with neither
key fails the run (exit 1) and the transaction is rolled back.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from superset_stack.contract import ContractError, parse


def log(message: str) -> None:
    print(f"[reencrypt] {message}", flush=True)


def encrypted_columns() -> dict[str, dict[str, Any]]:
    """table -> {column: its EncryptedType}, for every encrypted column of Superset's models.

    Needs an application context (the models are imported by create_app).
    """
    from flask_appbuilder import Model
    from sqlalchemy_utils import EncryptedType

    found: dict[str, dict[str, Any]] = {}
    for name, table in sorted(Model.metadata.tables.items()):
        for column_name, column in table.columns.items():
            if isinstance(column.type, EncryptedType):
                found.setdefault(name, {})[column_name] = column.type
    return found


def main() -> int:
    try:
        runtime = parse(os.environ)
        if not runtime.previous_secret_key:
            raise ContractError(
                ["SUPERSET_PREVIOUS_SECRET_KEY: required to re-encrypt (the key rotated away from)"]
            )
    except ContractError as error:
        print(error, file=sys.stderr)
        return 2
    from superset.app import create_app
    from superset.utils.encrypt import SecretsMigrator

    rows: dict[str, int] = {}

    class Migrator(SecretsMigrator):  # type: ignore[misc]  # Superset is untyped here
        def discover_encrypted_fields(self) -> dict[str, dict[str, Any]]:
            return encrypted_columns()

        def _re_encrypt_row(self, conn: Any, row: Any, table_name: str, columns: Any) -> None:
            rows[table_name] = rows.get(table_name, 0) + 1
            super()._re_encrypt_row(conn, row, table_name, columns)

    with create_app().app_context():
        migrator = Migrator(previous_secret_key=runtime.previous_secret_key)
        columns = migrator.discover_encrypted_fields()
        log(f"encrypted columns: {', '.join(f'{t}.{c}' for t, cs in columns.items() for c in cs)}")
        try:
            migrator.run()
        except Exception as error:  # SecretsMigrator raises a bare Exception for an undecryptable value
            cause = error.__cause__ or error
            print(
                f"re-encryption failed, nothing was changed: a stored value decrypts with neither the "
                f"previous nor the current SECRET_KEY ({type(cause).__name__}: {cause})",
                file=sys.stderr,
            )
            return 1
    log(f"rows read: {', '.join(f'{table} {count}' for table, count in rows.items()) or 'none'}")
    log("stored secrets now use the current SECRET_KEY")
    return 0


if __name__ == "__main__":
    sys.exit(main())
