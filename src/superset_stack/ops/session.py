"""AWS access for the day-2 commands: boto3 clients for one region, and errors in the user's terms.

Credentials and endpoints come from boto3's usual sources (AWS_PROFILE, the environment, SSO,
AWS_ENDPOINT_URL). Whatever goes wrong on the AWS side reaches the user as an OpsError naming
the call and what to do, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

EXPIRED = ("ExpiredToken", "ExpiredTokenException", "RequestExpired")
REJECTED = ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "AuthFailure")
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException")


class OpsError(Exception):
    """A day-2 command cannot go on; the message says what was found and what to do."""


@dataclass
class Aws:
    """boto3 clients for one region, from one session, each made on first use."""

    region: str
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.Session()
            core.register_component("data_loader", _loader())  # service models parsed once per process
            self._session = boto3.session.Session(botocore_session=core, region_name=self.region)
        if service not in self._clients:
            self._clients[service] = self._session.client(service)
        return self._clients[service]


@cache
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ClientError, else ''."""
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def explain(error: Exception) -> str:
    """A botocore error as a sentence for the user."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
            "or sign in with `aws sso login`"
        )
    if isinstance(error, NoRegionError):
        return "no AWS region: give --region or set aws:region in the stack file"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach AWS: {error}"
    return _explain_client_error(error) if isinstance(error, ClientError) else str(error)


def _explain_client_error(error: Any) -> str:
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", "")
    call = error.operation_name
    if code in EXPIRED:
        return f"the AWS credentials have expired ({call}): sign in again and rerun"
    if code in REJECTED:
        return f"AWS rejected the credentials ({call}: {code}): check AWS_PROFILE and the account"
    if code in DENIED:
        return f"not allowed to call {call}: {message or code}"
    return f"{call} failed: {code}: {message}"


@contextmanager
def aws_errors() -> Iterator[None]:
    """Turn botocore's errors raised in the block into OpsError."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise OpsError(explain(error)) from error
