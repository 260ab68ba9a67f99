"""IAM policy documents the components share: JSON built with Output.json_dumps, never in apply()."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi


def policy_document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document (2012-10-17) of these statements."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust(service: str, account_id: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """A trust policy letting one AWS service principal assume the role.

    With `account_id`, only on behalf of that account (aws:SourceAccount), which stops another
    account's use of the same service from borrowing the role (the confused deputy).
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account_id is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return policy_document([statement])
