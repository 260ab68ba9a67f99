"""What the live acceptance test may call beyond a deploy: its AWS API calls as IAM statements.

The test brings up a throw-away stack (`live-<UTC time>`) with `pulumi up`, checks it and destroys
it, so its role has the deploy roles' policies (bootstrap/actions.py: everything `pulumi up` and
`pulumi destroy` call, the state, the secrets key) and `ACCEPTANCE`: what the checks and the
teardown call (checks.py, teardown.py) that those lack. Placeholders as in ops/grants.py.

The checks only read what the deploy policies' Describe*/Get*/List* already allow (an alarm, the
migration task, the admin password and the master secret). The teardown deletes data a destroy
refuses to, and that is what a deploy may not do: scoped to the throw-away stacks by their `Stack`
tag where AWS takes one, and otherwise to the program's names (its buckets are auto-named under
`superset-`, like every stack's: see docs/delivery.md for what that leaves open).

tests/unit/acceptance/test_grants.py records every botocore call of the checks and the teardown
against moto and fails when one is allowed by neither the deploy policies nor this table.
"""

from __future__ import annotations

from superset_stack.acceptance.run import STACK_NAME_PREFIX
from superset_stack.ops.grants import Grant

THROW_AWAY = {"StringLike": {"aws:ResourceTag/Stack": f"{STACK_NAME_PREFIX}*"}}

ACCEPTANCE: tuple[Grant, ...] = (
    # versioned buckets: a destroy deletes only empty ones (the state bucket stays out of reach:
    # the deploy-state policy denies every other action on it)
    Grant("EmptyTheStacksBucketsBeforeTheDestroy", ("s3:DeleteObjectVersion",), (
        "arn:{partition}:s3:::superset-*/*",
    )),
    Grant("EmptyOnlyThrowAwayRepositories", ("ecr:BatchDeleteImage",), (
        "arn:{partition}:ecr:*:{account}:repository/superset-*",
    ), THROW_AWAY),
    # the vault refuses deletion while it holds recovery points; they carry the database's tags
    Grant("DeleteOnlyThrowAwayRecoveryPoints", ("backup:DeleteRecoveryPoint",), ("*",), THROW_AWAY),
    # the retained automated backups of a deleted instance (the throw-away database, once destroyed)
    Grant("DeleteRetainedBackupsOfDeletedDatabases", ("rds:DeleteDBInstanceAutomatedBackup",), (
        "arn:{partition}:rds:*:{account}:auto-backup:*",
    )),
)  # fmt: skip
