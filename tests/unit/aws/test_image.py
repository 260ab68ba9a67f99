"""Image: an immutable, scanned, encrypted repository and a content-addressed, digest-pinned build."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.image import DOCKERFILE, SOURCE_ROOT, Image, ImageArgs, build_inputs, content_tag
from superset_stack.plan.recording import SECRET, RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"


def test_builds_and_pushes_to_an_immutable_encrypted_repository(build: Build) -> None:
    refs: list[str] = []
    mocks = build(lambda: Image("img", ImageArgs(kms_key_arn=KEY)).image_ref.apply(refs.append))
    assert Counter(mocks.types()) == Counter({
        "superset:image:Image": 1, "aws:ecr/repository:Repository": 1, "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
        "docker-build:index:Image": 1,
    })  # fmt: skip
    assert mocks.inputs_of("aws:ecr/repository:Repository") == [{
        "imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}], "forceDelete": False,
    }]  # fmt: skip
    (lifecycle,) = mocks.inputs_of("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert json.loads(lifecycle["policy"])["rules"][0]["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 30,
    }
    (image,) = mocks.inputs_of("docker-build:index:Image")
    url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/img"
    assert image["platforms"] == ["linux/arm64"]
    assert image["tags"] == [f"{url}:{content_tag(['clickhouse'])}"]
    assert image["buildArgs"] == {"WAREHOUSE_DRIVERS": "clickhouse"}
    assert image["push"] is True
    assert image["context"] == {"location": str(SOURCE_ROOT)}
    assert image["dockerfile"] == {"location": str(DOCKERFILE)}
    assert image["registries"] == SECRET  # the registry token makes the whole entry secret in state
    assert refs == [f"{url}@sha256:" + "0" * 64]  # the tasks run the digest, never a tag


def test_chosen_drivers_are_built_in_and_change_the_tag(build: Build) -> None:
    mocks = build(
        lambda: Image("img", ImageArgs(kms_key_arn=KEY, warehouse_drivers=["snowflake", "bigquery"]))
    )
    (image,) = mocks.inputs_of("docker-build:index:Image")
    assert image["buildArgs"] == {"WAREHOUSE_DRIVERS": "bigquery snowflake"}
    assert image["tags"][0].endswith(content_tag(["bigquery", "snowflake"]))
    assert content_tag(["bigquery", "snowflake"]) != content_tag(["clickhouse"])
    assert content_tag(["snowflake", "bigquery"]) == content_tag(["bigquery", "snowflake"])


def test_x86_builds_for_amd64(build: Build) -> None:
    mocks = build(lambda: Image("img", ImageArgs(kms_key_arn=KEY, cpu_architecture="X86_64")))
    assert mocks.inputs_of("docker-build:index:Image")[0]["platforms"] == ["linux/amd64"]


def test_a_prebuilt_image_is_used_as_given(build: Build) -> None:
    uri = "registry.example.com/superset@sha256:" + "b" * 64
    refs: list[str] = []
    mocks = build(
        lambda: Image("img", ImageArgs(kms_key_arn=KEY, image_uri=uri)).image_ref.apply(refs.append)
    )
    assert mocks.types() == ["superset:image:Image"]
    assert refs == [uri]


def test_the_tag_follows_the_build_inputs() -> None:
    inputs = {path.relative_to(SOURCE_ROOT).as_posix() for path in build_inputs()}
    assert {"src/superset_stack/runtime/Dockerfile", "src/superset_stack/runtime/requirements.lock",
            "src/superset_stack/runtime/superset_config.py", "src/superset_stack/contract.py"} <= inputs  # fmt: skip
    assert content_tag() == content_tag()
    assert content_tag().startswith("runtime-") and len(content_tag()) == len("runtime-") + 16


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"cpu_architecture": "ARM"}, "cpu_architecture must be ARM64 or X86_64, got 'ARM'"),
     ({"image_uri": "apache/superset:6.1.0"}, "image_uri must be pinned by digest"),
     ({"warehouse_drivers": ["oracle"]}, r"no driver lock for \['oracle'\]")],
)  # fmt: skip
def test_rejects_bad_args(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Image("img", ImageArgs(kms_key_arn=KEY, **overrides))
