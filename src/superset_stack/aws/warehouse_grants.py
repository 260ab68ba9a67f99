"""What the task role may do for the declared Athena connections, and nothing wider.

Athena runs a query with its caller's permissions: it starts and reads queries in the connection's
workgroup, reads the Glue catalog's definitions of the connection's database, writes the results
under the workgroup's output location and reads the tables' data where it lies. So for each Athena
connection (warehouses.AthenaAccess) the task role gets:

- AthenaQueries: start, read and stop queries and read the workgroup, on that workgroup only;
- AthenaCatalog: the data catalog's databases and table metadata (the metadata Superset lists), on
  the region's AwsDataCatalog;
- GlueDefinitions: read the database and its tables and partitions, on the catalog, that database
  and its tables;
- AthenaResults: read, write and abort uploads under the output prefix;
- AthenaTableData: read objects under the declared data locations (none given: none);
- AthenaBuckets: find each of those buckets' region, and list one statement per bucket, only the
  prefixes named in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pulumi

from superset_stack.warehouses import AthenaAccess, S3Location

CATALOG = "AwsDataCatalog"  # Athena's name for the account's Glue Data Catalog
QUERY_ACTIONS = [
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
]
CATALOG_ACTIONS = [
    "athena:GetDataCatalog",
    "athena:ListDatabases",
    "athena:GetDatabase",
    "athena:ListTableMetadata",
    "athena:GetTableMetadata",
]
GLUE_ACTIONS = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
]
RESULTS_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]


def athena_statements(
    access: Sequence[AthenaAccess], *, partition: pulumi.Input[str], account_id: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """The task role's statements for these Athena connections (none without any)."""
    if not access:
        return []

    def arns(service: str, resources: Iterable[tuple[str, str]]) -> list[pulumi.Output[str]]:
        """ARNs of (region, resource) pairs in this account, each once."""
        return [
            pulumi.Output.format("arn:{0}:{1}:{2}:{3}:{4}", partition, service, region, account_id, resource)
            for region, resource in dict.fromkeys(resources)
        ]

    def objects(locations: Iterable[S3Location]) -> list[pulumi.Output[str]]:
        return [pulumi.Output.format("arn:{0}:s3:::{1}/{2}*", partition, location.bucket, location.prefix)
                for location in dict.fromkeys(locations)]  # fmt: skip

    def bucket(name: str) -> pulumi.Output[str]:
        return pulumi.Output.format("arn:{0}:s3:::{1}", partition, name)

    glue = [(a.region, resource) for a in access
            for resource in ("catalog", f"database/{a.database}", f"table/{a.database}/*")]  # fmt: skip
    outputs = [a.output for a in access]
    data = [location for a in access for location in a.data]
    workgroups = [(a.region, f"workgroup/{a.workgroup}") for a in access]
    catalogs = [(a.region, f"datacatalog/{CATALOG}") for a in access]
    statements = [
        _allow("AthenaQueries", QUERY_ACTIONS, arns("athena", workgroups)),
        _allow("AthenaCatalog", CATALOG_ACTIONS, arns("athena", catalogs)),
        _allow("GlueDefinitions", GLUE_ACTIONS, arns("glue", glue)),
        _allow("AthenaResults", RESULTS_ACTIONS, objects(outputs)),
    ]  # fmt: skip
    if data:
        statements.append(_allow("AthenaTableData", ["s3:GetObject"], objects(data)))
    buckets = list(dict.fromkeys(location.bucket for location in (*outputs, *data)))
    statements.append(_allow("AthenaBuckets", ["s3:GetBucketLocation"], [bucket(name) for name in buckets]))
    for index, name in enumerate(buckets):
        prefixes = list(dict.fromkeys(f"{loc.prefix}*" for loc in (*outputs, *data) if loc.bucket == name))
        statements.append({
            **_allow(f"AthenaListBucket{index}", ["s3:ListBucket"], [bucket(name)]),
            "Condition": {"StringLike": {"s3:prefix": prefixes}},
        })  # fmt: skip
    return statements


def _allow(sid: str, actions: list[str], resources: list[Any]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
