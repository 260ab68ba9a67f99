"""AWS errors reach the user as sentences."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from superset_stack.ops.session import OpsError, aws_errors, explain


def client_error(code: str, message: str = "", operation: str = "DescribeDBInstances") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (NoCredentialsError(), "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
                               "AWS_SECRET_ACCESS_KEY), or sign in with `aws sso login`"),
        (client_error("ExpiredToken"), "the AWS credentials have expired (DescribeDBInstances): sign in again and rerun"),
        (client_error("InvalidClientTokenId"),
         "AWS rejected the credentials (DescribeDBInstances: InvalidClientTokenId): check AWS_PROFILE and the account"),
        (client_error("AccessDenied", "User: x is not authorized to perform: rds:DescribeDBInstances", "DescribeDBInstances"),
         "not allowed to call DescribeDBInstances: User: x is not authorized to perform: rds:DescribeDBInstances"),
        (client_error("Throttling", "Rate exceeded"), "DescribeDBInstances failed: Throttling: Rate exceeded"),
        (EndpointConnectionError(endpoint_url="https://rds.xx-nowhere-1.amazonaws.com/"),
         'cannot reach AWS: Could not connect to the endpoint URL: "https://rds.xx-nowhere-1.amazonaws.com/"'),
    ],
)  # fmt: skip
def test_errors_are_explained(error: Exception, sentence: str) -> None:
    assert explain(error) == sentence


def test_aws_errors_become_ops_errors() -> None:
    with (
        pytest.raises(OpsError, match=r"^DescribeDBInstances failed: Throttling: Rate exceeded$"),
        aws_errors(),
    ):
        raise client_error("Throttling", "Rate exceeded")
