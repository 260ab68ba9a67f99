"""Run the real Pulumi program under recording mocks: every resource with its exact inputs.

No engine, no credentials, no network. Used by the tests (assert exact inputs) and by the offline
plan. Inputs are kept as the engine sees them: camelCase keys, secrets masked as "[secret]".

Resources are kept in the order the program declares them, whatever order they reach the mocks
in: the engine registers them from several threads, as their inputs resolve, so that order differs
from run to run. The order of declaration is the order of the constructor calls, which a stack
transformation sees one by one (`run` sorts by it once the program has finished).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.settings import get_root_resource

SECRET = "[secret]"
ACCOUNT_ID = "123456789012"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # pulumi's marker key for a secret value


@dataclass(frozen=True)
class RecordedResource:
    type: str
    name: str
    inputs: dict[str, Any]
    parent: str | None  # logical name of the parent, None for top-level resources
    parent_type: str | None
    provider: str | None
    custom: bool
    options: dict[str, Any] = field(default_factory=dict)


DYNAMIC_PROVIDER = "[dynamic provider]"


def mask_secrets(value: Any) -> Any:
    """Replace pulumi secret envelopes with a marker, recursively (and a dynamic provider's pickle)."""
    if isinstance(value, dict):
        if _SECRET_SIG in value:
            return SECRET
        return {
            key: DYNAMIC_PROVIDER if key == "__provider" else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def _parent_of(urn: str) -> tuple[str | None, str | None]:
    if not urn or "::" not in urn:
        return None, None
    qualified_type = urn.split("::")[-2]
    parent_type = qualified_type.split("$")[-1]
    if parent_type == "pulumi:pulumi:Stack":
        return None, None
    return urn.rsplit("::", maxsplit=1)[-1], parent_type


def _fake_outputs(typ: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """Plausible provider-computed outputs, so dependent inputs resolve to readable values."""
    service = typ.split(":")[1].split("/", maxsplit=1)[0]
    # The engine auto-names resources that take a name; the logical name stands in for it here.
    outputs: dict[str, Any] = {
        "arn": f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{name}",
        "name": inputs.get("name", name),
    }
    if typ == "random:index/randomPassword:RandomPassword":
        outputs = {"result": "x" * int(inputs.get("length", 16))}
    elif typ == "aws:kms/key:Key":
        outputs.update(keyId=f"{name}-key-id", arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{name}")
    elif typ == "aws:s3/bucket:Bucket":
        outputs.update(bucket=f"{name}-bucket", arn=f"arn:aws:s3:::{name}-bucket")
    elif typ == "aws:rds/instance:Instance":
        address = f"{name}.abcdefghij.{region}.rds.amazonaws.com"
        outputs.update(
            address=address,
            endpoint=f"{address}:5432",
            resourceId="db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            masterUserSecrets=[
                {
                    "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!{name}",
                    "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                    "secretStatus": "active",
                }
            ],
        )
    elif typ == "aws:elasticache/replicationGroup:ReplicationGroup":
        outputs.update(
            primaryEndpointAddress=f"master.{name}.abcdef.use1.cache.amazonaws.com",
            readerEndpointAddress=f"replica.{name}.abcdef.use1.cache.amazonaws.com",
        )
    elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        outputs.update(prefixListId=f"pl-{name}")
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        outputs.update(arn=f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{inputs.get('name', name)}")
    elif typ == "aws:acm/certificate:Certificate":
        domain = inputs.get("domainName", "example.com")
        outputs.update(
            arn=f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{name}",
            domainValidationOptions=[
                {
                    "domainName": domain,
                    "resourceRecordName": f"_abc123.{domain}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": "_def456.acm-validations.aws.",
                }
            ],
        )
    elif typ == "aws:route53/record:Record":
        outputs.update(fqdn=str(inputs.get("name", name)).rstrip("."))
    elif typ == "aws:lb/loadBalancer:LoadBalancer":
        outputs.update(
            dnsName=f"{name}-123456.{region}.elb.amazonaws.com",
            zoneId="Z35SXDOTRQ7X7K",
            arnSuffix=f"app/{name}/50dc6c495c0c9188",
        )
    elif typ == "aws:lb/targetGroup:TargetGroup":
        outputs.update(arnSuffix=f"targetgroup/{name}/73e2d6bc24d8a067")
    elif typ == "aws:ecr/repository:Repository":
        outputs.update(
            repositoryUrl=f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}", registryId=ACCOUNT_ID
        )
    elif typ == "docker-build:index:Image":
        outputs.update(digest="sha256:" + "0" * 64, ref=f"{inputs.get('tags', [name])[0]}@sha256:" + "0" * 64)
    elif typ == "aws:ecs/cluster:Cluster":
        outputs.update(arn=f"arn:aws:ecs:{region}:{ACCOUNT_ID}:cluster/{name}")
    elif typ == "aws:ecs/taskDefinition:TaskDefinition":
        outputs.update(
            arn=f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task-definition/{inputs.get('family', name)}:1"
        )
    elif typ == "aws:secretsmanager/secret:Secret":
        outputs.update(arn=f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-AbCdEf")
    return outputs


_INVOKE_RESULTS: dict[str, dict[str, Any]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/plan",
        "userId": "PLAN",
        "id": ACCOUNT_ID,
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        "userName": "AWS",
        "password": "ecr-token",
        "authorizationToken": "QVdTOmVjci10b2tlbg==",
        "proxyEndpoint": f"https://{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com",
        "expiresAt": "2099-01-01T00:00:00Z",
        "id": ACCOUNT_ID,
    },
    "aws:elb/getServiceAccount:getServiceAccount": {
        "arn": "arn:aws:iam::127311923021:root",
        "id": "127311923021",
    },
    "aws:index/getPartition:getPartition": {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
        "reverseDnsPrefix": "com.amazonaws",
    },
}


def _invoke_result(token: str) -> dict[str, Any]:
    return dict(_INVOKE_RESULTS.get(token, {}))


# (type, name, parent name, parent type): what identifies a resource both where it is declared
# and where it is registered (its URN is the same four things).
DeclarationKey = tuple[str, str, str | None, str | None]


class RecordingMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that keep every registration, in the order the program declares them."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self.resources: list[RecordedResource] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        # The monitor registers resources on several threads and calls new_resource on the same
        # thread as the request it is handling: per-thread state keeps each request's parent and
        # options with it.
        self._request = threading.local()
        self._declared: dict[DeclarationKey, int] = {}

    def declared(self, key: DeclarationKey) -> None:
        """Note that the program declared the resource `key` (its constructor ran), in order."""
        self._declared.setdefault(key, len(self._declared))

    def sort_by_declaration(self) -> None:
        """Put the resources in the order the program declared them.

        A resource the transformation did not see (none in this program) goes last, by type and
        name, so the order never depends on the engine's threads.
        """

        def order(resource: RecordedResource) -> tuple[int, str, str]:
            key = (resource.type, resource.name, resource.parent, resource.parent_type)
            return self._declared.get(key, len(self._declared)), resource.type, resource.name

        self.resources.sort(key=order)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        parent, parent_type = _parent_of(getattr(self._request, "parent_urn", ""))
        self.resources.append(
            RecordedResource(
                type=args.typ,
                name=args.name,
                inputs=mask_secrets(inputs),
                parent=parent,
                parent_type=parent_type,
                provider=args.provider or None,
                custom=bool(args.custom),
                options=getattr(self._request, "options", {}),
            )
        )
        outputs = {**inputs, **_fake_outputs(args.typ, args.name, inputs, self.region)}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        return _invoke_result(args.token), []

    # --- queries used by tests and the plan -------------------------------------------------------

    def of_type(self, typ: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == typ]

    def inputs_of(self, typ: str) -> list[dict[str, Any]]:
        return [resource.inputs for resource in self.of_type(typ)]

    def named(self, name: str) -> RecordedResource:
        matches = [resource for resource in self.resources if resource.name == name]
        if len(matches) != 1:
            raise LookupError(f"expected one resource named {name!r}, found {len(matches)}")
        return matches[0]

    def types(self) -> list[str]:
        return [resource.type for resource in self.resources]

    def __iter__(self) -> Iterator[RecordedResource]:
        return iter(self.resources)


class _ParentTrackingMonitor(pulumi_mocks.MockMonitor):
    """Hands each registration's parent URN to the mocks (MockResourceArgs has no parent)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self._recording = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self._recording._request.parent_urn = request.parent
        implicit = {urn for urns in request.propertyDependencies.values() for urn in urns.urns}

        def short(urn: str) -> str:
            return "::".join(urn.split("::")[-2:]).split("$")[-1]

        self._recording._request.options = {
            "protect": bool(request.protect),
            "ignoreChanges": sorted(request.ignoreChanges),
            # explicit depends_on only, as "<type>::<name>"; input-derived dependencies are implicit
            "dependsOn": sorted(short(urn) for urn in request.dependencies if urn not in implicit),
            # which resources each input waits for (through the Outputs it was built from)
            "propertyDependencies": {
                prop: sorted({short(urn) for urn in deps.urns})
                for prop, deps in request.propertyDependencies.items()
            },
        }
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


_installed: list[RecordingMocks] = []  # the mocks the stack transformation reports to


def _note_declaration(args: pulumi.ResourceTransformationArgs) -> None:
    """A stack transformation that changes nothing: it tells the installed mocks, in the order
    the constructors run, which resource the program declares."""
    parent = args.opts.parent if args.opts is not None else None
    if parent is not None and parent is not get_root_resource():
        _installed[-1].declared(
            (args.type_, args.name, parent.pulumi_resource_name, parent.pulumi_resource_type)
        )
    else:
        _installed[-1].declared((args.type_, args.name, None, None))


def install(mocks: RecordingMocks, *, project: str, stack: str) -> None:
    """Install `mocks` as the Pulumi runtime for the current thread."""
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, monitor=_ParentTrackingMonitor(mocks)
    )
    _installed[:] = [mocks]
    # The root stack resource outlives set_mocks (one per thread): register the transformation once.
    root = get_root_resource()
    if root is not None and _note_declaration not in (root._transformations or []):
        pulumi.runtime.register_stack_transformation(_note_declaration)


def run(program: Callable[[], Any], mocks: RecordingMocks) -> None:
    """Run `program` to completion: every registration, apply and invoke has finished on return;
    the resources are then in the order the program declared them."""
    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]
    mocks.sort_by_declaration()
