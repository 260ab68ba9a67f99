"""Recording mocks: secrets masked, parents and explicit dependencies kept."""

from __future__ import annotations

from superset_stack.plan.recording import SECRET, mask_secrets


def test_masks_nested_secret_envelopes() -> None:
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}
    assert mask_secrets({"a": envelope, "b": [envelope, "plain"], "c": {"d": envelope}}) == {
        "a": SECRET, "b": [SECRET, "plain"], "c": {"d": SECRET}
    }  # fmt: skip
