"""The task role's Athena grants: the workgroup, the catalog's metadata, the Glue database, the
results prefix and the data locations, each statement exact, nothing wider."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws

from superset_stack.aws.iam import policy_document
from superset_stack.aws.warehouse_grants import athena_statements
from superset_stack.plan.recording import RecordingMocks
from superset_stack.warehouses import AthenaAccess, S3Location

Build = Callable[[Callable[[], Any]], RecordingMocks]

LAKE = AthenaAccess(
    region="us-east-1",
    workgroup="analysts",
    output=S3Location("athena-results-123", "superset/"),
    database="sales_lake",
    data=(S3Location("lake-123", "sales/"), S3Location("athena-results-123", "shared/")),
)
EU = AthenaAccess(region="eu-west-1", workgroup="primary", output=S3Location("results-eu", ""), database="eu",
                  data=())  # fmt: skip


def statements(build: Build, *access: AthenaAccess, partition: str = "aws") -> list[dict[str, Any]]:
    """The statements as the role policy's input resolves them."""

    def program() -> None:
        found = athena_statements(access, partition=partition, account_id="123456789012")
        aws.iam.RolePolicy("athena", role="task", policy=policy_document(found))

    [inputs] = build(program).inputs_of("aws:iam/rolePolicy:RolePolicy")
    found: list[dict[str, Any]] = json.loads(inputs["policy"])["Statement"]
    return found


def test_no_athena_connection_no_statement() -> None:
    assert athena_statements([], partition="aws", account_id="123456789012") == []


def test_one_connection_gets_exactly_its_workgroup_catalog_database_results_and_data(build: Build) -> None:
    assert statements(build, LAKE) == [
        {"Sid": "AthenaQueries", "Effect": "Allow",
         "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                    "athena:StopQueryExecution", "athena:GetWorkGroup"],
         "Resource": ["arn:aws:athena:us-east-1:123456789012:workgroup/analysts"]},
        {"Sid": "AthenaCatalog", "Effect": "Allow",
         "Action": ["athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase",
                    "athena:ListTableMetadata", "athena:GetTableMetadata"],
         "Resource": ["arn:aws:athena:us-east-1:123456789012:datacatalog/AwsDataCatalog"]},
        {"Sid": "GlueDefinitions", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition",
                    "glue:GetPartitions", "glue:BatchGetPartition"],
         "Resource": ["arn:aws:glue:us-east-1:123456789012:catalog",
                      "arn:aws:glue:us-east-1:123456789012:database/sales_lake",
                      "arn:aws:glue:us-east-1:123456789012:table/sales_lake/*"]},
        {"Sid": "AthenaResults", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         "Resource": ["arn:aws:s3:::athena-results-123/superset/*"]},
        {"Sid": "AthenaTableData", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::lake-123/sales/*", "arn:aws:s3:::athena-results-123/shared/*"]},
        {"Sid": "AthenaBuckets", "Effect": "Allow", "Action": ["s3:GetBucketLocation"],
         "Resource": ["arn:aws:s3:::athena-results-123", "arn:aws:s3:::lake-123"]},
        {"Sid": "AthenaListBucket0", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": ["arn:aws:s3:::athena-results-123"],
         "Condition": {"StringLike": {"s3:prefix": ["superset/*", "shared/*"]}}},
        {"Sid": "AthenaListBucket1", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": ["arn:aws:s3:::lake-123"], "Condition": {"StringLike": {"s3:prefix": ["sales/*"]}}},
    ]  # fmt: skip


def test_two_connections_in_two_regions_each_keep_their_own_scope(build: Build) -> None:
    found = {s["Sid"]: s for s in statements(build, LAKE, EU, LAKE, partition="aws-cn")}
    assert found["AthenaQueries"]["Resource"] == [
        "arn:aws-cn:athena:us-east-1:123456789012:workgroup/analysts",
        "arn:aws-cn:athena:eu-west-1:123456789012:workgroup/primary",
    ]  # the same connection twice: its ARNs once
    assert found["GlueDefinitions"]["Resource"][3:] == [
        "arn:aws-cn:glue:eu-west-1:123456789012:catalog",
        "arn:aws-cn:glue:eu-west-1:123456789012:database/eu",
        "arn:aws-cn:glue:eu-west-1:123456789012:table/eu/*",
    ]
    assert found["AthenaResults"]["Resource"] == [
        "arn:aws-cn:s3:::athena-results-123/superset/*", "arn:aws-cn:s3:::results-eu/*"
    ]  # fmt: skip
    assert found["AthenaListBucket1"] == {
        "Sid": "AthenaListBucket1", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws-cn:s3:::results-eu"],
        "Condition": {"StringLike": {"s3:prefix": ["*"]}},  # s3://results-eu/ names the whole bucket
    }  # fmt: skip
