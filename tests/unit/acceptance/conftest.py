"""moto's server mode on loopback for the acceptance steps' tests: the day-2 commands' server
(tests/unit/ops/conftest.py), reset for each test, and boto3 clients of us-east-1 against it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.unit.ops.conftest import api_calls, moto_endpoint, moto_server

__all__ = ["api_calls", "moto_endpoint", "moto_server"]  # fixtures, shared with the day-2 commands' tests
Clients = Callable[[str], Any]


@pytest.fixture
def aws(moto_endpoint: str) -> Clients:
    """A boto3 client factory for a freshly reset moto (it keeps state across servers)."""

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip

    return client
