"""The live acceptance test runs only where it can: AWS credentials, the Pulumi CLI, SUPERSET_LIVE_*.

Everything here is marked `live`; anywhere else it is skipped with the reason (`pytest -ra` shows
it), except where SUPERSET_LIVE_REQUIRED is set (the delivery pipeline's acceptance jobs): there
the reason stops the run as an error, so a pipeline without credentials can never pass by skipping.
docs/operations.md says how a team runs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import boto3
import pytest

from superset_stack.acceptance.run import REQUIRED_FLAG, skip_reason


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    mine = [item for item in items if here in item.path.parents]
    if not mine:
        return
    reason = skip_reason(
        os.environ,
        aws_credentials=boto3.Session().get_credentials() is not None,
        pulumi_cli=shutil.which("pulumi"),
        docker=shutil.which("docker"),
    )
    if reason and os.environ.get(REQUIRED_FLAG):
        raise pytest.UsageError(f"{REQUIRED_FLAG} is set, but the {reason}")
    for item in mine:
        item.add_marker(pytest.mark.live)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
