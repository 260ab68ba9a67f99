"""S3ResultsBackend: SQL Lab async results in S3 instead of Redis memory.

Celery workers `set` each compressed result set; the web tier `get`s it back. Objects live under
one prefix, where the bucket's lifecycle rule expires them (storage.py), so the per-key timeout
Superset passes is not needed. The task role may touch only that prefix.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError
from cachelib.base import BaseCache


class S3ResultsBackend(BaseCache):
    """A cachelib cache storing bytes values as S3 objects."""

    def __init__(self, *, bucket: str, prefix: str, client: Any = None) -> None:
        super().__init__(default_timeout=0)
        if not prefix.endswith("/"):
            raise ValueError(f"prefix must end with '/', got {prefix!r}")
        self.bucket = bucket
        self.prefix = prefix
        self._client = client if client is not None else boto3.client("s3")

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> bool:
        if isinstance(value, str):
            value = value.encode()
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"S3ResultsBackend stores bytes, got {type(value).__name__}")
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=bytes(value))
        return True

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> bool:
        if self.has(key):
            return False
        return self.set(key, value, timeout)

    def delete(self, key: str) -> bool:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        return True

    def has(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return False
            raise
        return True
