"""S3ResultsBackend against moto's S3 in server mode, on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from superset_stack.local.processes import free_port
from superset_stack.runtime.results_backend import S3ResultsBackend


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    client.create_bucket(Bucket="results")
    yield client
    server.stop()


def test_round_trip_under_the_prefix(s3: Any) -> None:
    backend = S3ResultsBackend(bucket="results", prefix="sqllab-results/", client=s3)
    payload = b"\x78\x9c compressed result set"
    assert backend.set("query-1", payload, 3600) is True
    assert backend.get("query-1") == payload
    assert backend.has("query-1")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="results")["Contents"]]
    assert keys == ["sqllab-results/query-1"]


def test_missing_keys_read_as_none(s3: Any) -> None:
    backend = S3ResultsBackend(bucket="results", prefix="sqllab-results/", client=s3)
    assert backend.get("never-written") is None
    assert not backend.has("never-written")


def test_add_does_not_overwrite_and_delete_removes(s3: Any) -> None:
    backend = S3ResultsBackend(bucket="results", prefix="p/", client=s3)
    assert backend.add("k", b"first")
    assert backend.add("k", b"second") is False
    assert backend.get("k") == b"first"
    assert backend.delete("k")
    assert backend.get("k") is None


def test_other_errors_are_not_swallowed(s3: Any) -> None:
    from botocore.exceptions import ClientError

    backend = S3ResultsBackend(bucket="no-such-bucket", prefix="p/", client=s3)
    with pytest.raises(ClientError, match="NoSuchBucket"):
        backend.get("k")


def test_only_bytes_and_a_slash_terminated_prefix(s3: Any) -> None:
    with pytest.raises(ValueError, match="prefix must end with '/', got 'p'"):
        S3ResultsBackend(bucket="results", prefix="p", client=s3)
    backend = S3ResultsBackend(bucket="results", prefix="p/", client=s3)
    with pytest.raises(TypeError, match="S3ResultsBackend stores bytes, got dict"):
        backend.set("k", {"not": "bytes"})
