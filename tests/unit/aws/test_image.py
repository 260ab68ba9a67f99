"""Image: an immutable, scanned, encrypted repository and a content-addressed, digest-pinned build."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from superset_stack.aws.image import (
    DOCKERFILE,
    SOURCE_ROOT,
    Image,
    ImageArgs,
    build_args,
    build_inputs,
    content_tag,
)
from superset_stack.plan.recording import SECRET, RecordingMocks
from superset_stack.runtime import rds_ca

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"


def test_builds_and_pushes_to_an_immutable_encrypted_repository(build: Build) -> None:
    refs: list[str] = []
    mocks = build(lambda: Image("img", ImageArgs(kms_key_arn=KEY)).image_ref.apply(refs.append))
    assert Counter(mocks.types()) == Counter({
        "superset:image:Image": 1, "aws:ecr/repository:Repository": 1, "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
        "docker-build:index:Image": 2,
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
    image, worker = mocks.inputs_of("docker-build:index:Image")
    url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/img"
    assert (image["target"], worker["target"]) == ("web", "worker")
    assert image["platforms"] == ["linux/arm64"]
    assert image["buildArgs"] == {
        "SUPERSET_DIGEST": "sha256:59cd4af66006fe4cc98906eda42a771dbefdacb432f9ab083e02cdc6ff01f29d",
        # the repository's reviewed bundle, which the build checks byte for byte (runtime/rds_ca.py)
        "RDS_CA_BUNDLE_SHA256": hashlib.sha256(rds_ca.BUNDLE.read_bytes()).hexdigest(),
        "WAREHOUSE_DRIVERS": "clickhouse",
        "SIGN_IN_EXTRAS": "",  # python-ldap only for LDAP sign-in (it needs a compiler)
    }
    assert image["tags"] == [f"{url}:{content_tag('linux/arm64', image['buildArgs'])}"]
    # the worker adds Debian's Chromium, pinned by version in a fixed snapshot of Debian's archive
    assert worker["buildArgs"] == {**image["buildArgs"], "DEBIAN_SNAPSHOT": "20261130T000000Z",
                                   "CHROMIUM_VERSION": "156.0.8078.114-1~deb12u1"}  # fmt: skip
    assert worker["tags"] == [f"{url}:{content_tag('linux/arm64', worker['buildArgs'], target='worker')}"]
    assert worker["tags"] != image["tags"]
    assert image["push"] is True
    assert image["context"] == {"location": str(SOURCE_ROOT)}
    assert image["dockerfile"] == {"location": str(DOCKERFILE)}
    assert image["registries"] == SECRET  # the registry token makes the whole entry secret in state
    assert refs == [f"{url}@sha256:" + "0" * 64]  # the tasks run the digest, never a tag


def test_chosen_drivers_are_built_in_sorted(build: Build) -> None:
    mocks = build(
        lambda: Image("img", ImageArgs(kms_key_arn=KEY, warehouse_drivers=["snowflake", "bigquery"]))
    )
    image, worker = mocks.inputs_of("docker-build:index:Image")
    assert (
        image["buildArgs"]["WAREHOUSE_DRIVERS"]
        == worker["buildArgs"]["WAREHOUSE_DRIVERS"]
        == "bigquery snowflake"
    )
    assert build_args(["snowflake", "bigquery"]) == build_args(["bigquery", "snowflake"])
    assert image["tags"][0].endswith(content_tag("linux/arm64", build_args(["bigquery", "snowflake"])))


def test_ldap_sign_in_builds_python_ldap_in_and_nothing_else_does(build: Build) -> None:
    mocks = build(lambda: Image("img", ImageArgs(kms_key_arn=KEY, sign_in_extras=["ldap"])))
    image, worker = mocks.inputs_of("docker-build:index:Image")
    # both targets: the worker image is built FROM web, so it carries python-ldap too
    assert image["buildArgs"]["SIGN_IN_EXTRAS"] == worker["buildArgs"]["SIGN_IN_EXTRAS"] == "ldap"
    assert image["tags"][0].endswith(content_tag("linux/arm64", build_args(["clickhouse"], ["ldap"])))
    worker_args = build_args(["clickhouse"], ["ldap"], "worker")
    assert worker["tags"][0].endswith(content_tag("linux/arm64", worker_args, target="worker"))
    with pytest.raises(ValueError, match=r"no extra lock for \['kerberos'\]"):
        build(lambda: Image("bad", ImageArgs(kms_key_arn=KEY, sign_in_extras=["kerberos"])))


def test_x86_builds_for_amd64_under_its_own_tag(build: Build) -> None:
    def program() -> None:
        Image("arm", ImageArgs(kms_key_arn=KEY))
        Image("x86", ImageArgs(kms_key_arn=KEY, cpu_architecture="X86_64"))

    images = {image.name: image.inputs for image in build(program).of_type("docker-build:index:Image")}
    assert set(images) == {"arm", "arm-worker", "x86", "x86-worker"}
    arm, x86 = images["arm"], images["x86"]
    assert (arm["platforms"], x86["platforms"]) == (["linux/arm64"], ["linux/amd64"])
    # same sources, other architecture: the immutable repository must get a new tag
    assert arm["tags"][0].split(":")[-1] != x86["tags"][0].split(":")[-1]


def test_a_prebuilt_image_is_used_as_given(build: Build) -> None:
    uri = "registry.example.com/superset@sha256:" + "b" * 64
    refs: list[str] = []
    mocks = build(
        lambda: Image("img", ImageArgs(kms_key_arn=KEY, image_uri=uri)).image_ref.apply(refs.append)
    )
    assert mocks.types() == ["superset:image:Image"]
    assert refs == [uri]
    worker_refs: list[str] = []
    build(
        lambda: Image("img", ImageArgs(kms_key_arn=KEY, image_uri=uri)).worker_image_ref.apply(
            worker_refs.append
        )
    )
    assert worker_refs == [uri]  # every task runs the given image (it must carry Chromium for screenshots)


def test_the_build_inputs_are_the_dockerfile_and_everything_it_copies() -> None:
    inputs = {path.relative_to(SOURCE_ROOT).as_posix() for path in build_inputs()}
    assert {"src/superset_stack/runtime/Dockerfile", "src/superset_stack/runtime/requirements.lock",
            "src/superset_stack/runtime/drivers/clickhouse.lock", "src/superset_stack/runtime/drivers/redshift.lock",
            "src/superset_stack/runtime/superset_config.py", "src/superset_stack/contract.py",
            "src/superset_stack/sizing.py"} <= inputs  # fmt: skip
    assert not any("__pycache__" in path for path in inputs)
    tag = content_tag("linux/arm64", build_args(["clickhouse"]))
    assert tag == content_tag("linux/arm64", build_args(["clickhouse"]))
    assert tag.startswith("runtime-") and len(tag) == len("runtime-") + 16


def _copy_inputs(root: Path) -> list[Path]:
    copies = []
    for path in build_inputs():
        copy = root / path.relative_to(SOURCE_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies


ARGS = build_args(["clickhouse"])


@pytest.mark.parametrize(
    ("change", "platform", "args"),
    [
        ("architecture", "linux/amd64", ARGS),
        ("base image digest", "linux/arm64", {**ARGS, "SUPERSET_DIGEST": "sha256:" + "1" * 64}),
        ("RDS CA checksum", "linux/arm64", {**ARGS, "RDS_CA_BUNDLE_SHA256": "2" * 64}),
        ("drivers", "linux/arm64", {**ARGS, "WAREHOUSE_DRIVERS": "clickhouse redshift"}),
        ("sign-in extras", "linux/arm64", {**ARGS, "SIGN_IN_EXTRAS": "ldap"}),
        ("another build argument", "linux/arm64", {**ARGS, "SUPERSET_VERSION": "6.1.1"}),
    ],
)
def test_changing_the_platform_or_any_build_argument_changes_the_tag(
    change: str, platform: str, args: dict[str, str]
) -> None:
    assert content_tag(platform, args) != content_tag("linux/arm64", ARGS), change


@pytest.mark.parametrize(
    "changed",
    ["src/superset_stack/runtime/Dockerfile", "src/superset_stack/runtime/requirements.lock",
     "src/superset_stack/runtime/drivers/snowflake.lock", "src/superset_stack/runtime/extras/ldap.lock",
     "src/superset_stack/runtime/entrypoint.py",
     "src/superset_stack/contract.py"],
)  # fmt: skip
def test_changing_any_input_file_changes_the_tag(tmp_path: Path, changed: str) -> None:
    files = _copy_inputs(tmp_path)
    before = content_tag("linux/arm64", ARGS, files, root=tmp_path)
    assert before == content_tag("linux/arm64", ARGS)  # the copy hashes like the original
    target = tmp_path / changed
    target.write_bytes(target.read_bytes() + b"\n")
    assert content_tag("linux/arm64", ARGS, files, root=tmp_path) != before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"cpu_architecture": "ARM"}, "cpu_architecture must be ARM64 or X86_64, got 'ARM'"),
     ({"image_uri": "apache/superset:6.1.0"}, "image_uri must be pinned by digest"),
     ({"warehouse_drivers": ["oracle"]}, r"no driver lock for \['oracle'\]")],
)  # fmt: skip
def test_rejects_bad_args(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Image("img", ImageArgs(kms_key_arn=KEY, **overrides))
