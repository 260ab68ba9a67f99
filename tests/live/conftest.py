"""The live acceptance test runs only where it can: AWS credentials, the Pulumi CLI, SUPERSET_LIVE_*.

Everything here is marked `live`; anywhere else it is skipped with the reason (`pytest -ra` shows
it). docs/operations.md says how a team runs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import boto3
import pytest

from superset_stack.acceptance.run import skip_reason


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
    for item in mine:
        item.add_marker(pytest.mark.live)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
