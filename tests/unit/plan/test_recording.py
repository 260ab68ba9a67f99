"""Recording mocks: secrets masked, parents and explicit dependencies kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from superset_stack.plan.recording import SECRET, RecordingMocks, mask_secrets

Build = Callable[[Callable[[], Any]], RecordingMocks]


def test_masks_nested_secret_envelopes() -> None:
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}
    assert mask_secrets({"a": envelope, "b": [envelope, "plain"], "c": {"d": envelope}}) == {
        "a": SECRET, "b": [SECRET, "plain"], "c": {"d": SECRET}
    }  # fmt: skip


def test_resources_come_in_the_order_the_program_declares_them(build: Build) -> None:
    import pulumi
    import pulumi_aws as aws

    class Pair(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:recording:Pair", name, None, None)
            child = pulumi.ResourceOptions(parent=self)
            first = aws.s3.Bucket(f"{name}-first", opts=child)
            # registered only once the first bucket's id resolves, after everything declared below
            aws.s3.BucketVersioning(
                f"{name}-versioning",
                bucket=first.id.apply(lambda i: f"{i}-x"),
                versioning_configuration={"status": "Enabled"},
                opts=child,
            )
            aws.s3.Bucket(f"{name}-second", opts=child)
            self.register_outputs({})

    def program() -> None:
        Pair("a")
        aws.s3.Bucket("top")
        Pair("b")

    mocks = build(program)
    assert [(r.name, r.parent) for r in mocks] == [
        ("a", None), ("a-first", "a"), ("a-versioning", "a"), ("a-second", "a"), ("top", None),
        ("b", None), ("b-first", "b"), ("b-versioning", "b"), ("b-second", "b"),
    ]  # fmt: skip


def test_each_installation_reports_to_its_own_mocks(build: Build) -> None:
    import pulumi_aws as aws

    from superset_stack.plan.recording import RecordingMocks, install, run

    build(lambda: aws.s3.Bucket("first-run"))
    second = RecordingMocks()
    install(second, project="p", stack="s")
    run(lambda: aws.s3.Bucket("second-run"), second)
    assert [r.name for r in second] == ["second-run"]
    assert second._declared == {("aws:s3/bucket:Bucket", "second-run", None, None): 0}
