"""IAM: the permissions boundary of the stack's roles is a managed policy's ARN."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack.validators._problem import Problem

if TYPE_CHECKING:
    from superset_stack.settings import Settings

# arn:<partition>:iam::<account>:policy/<path/><name> (IAM: path and name of [\w+=,.@-], name <= 128)
POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}")


def validate_role_boundary(s: Settings) -> list[Problem]:
    """roleBoundaryArn, when given, is an IAM managed policy ARN."""
    if s.role_boundary_arn and not POLICY_ARN.fullmatch(s.role_boundary_arn):
        return [
            Problem(
                "roleBoundaryArn",
                f"not an IAM managed policy ARN, got {s.role_boundary_arn!r}; expected "
                "arn:aws:iam::<12-digit account>:policy/<name> (the bootstrap's roleBoundaryArn output)",
            )
        ]
    return []
