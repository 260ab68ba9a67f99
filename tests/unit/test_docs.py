"""Generated documentation stays current: Pulumi.yaml's schema and the README tables."""

from __future__ import annotations

from pathlib import Path

import yaml

from superset_stack import docs
from superset_stack.settings import OPTIONS, Preset

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    assert docs.stale_files(ROOT) == [], "run `superset-stack docs` and commit the result"


def test_pulumi_yaml_types_and_describes_every_key() -> None:
    config = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(config) == [option.key for option in OPTIONS]
    for key, entry in config.items():
        assert entry["type"] in ("string", "integer", "boolean", "array"), key
        assert entry["description"], key
        if entry["type"] == "array":
            assert entry["items"] == {"type": "string"}, key


def test_preset_keys_carry_no_pulumi_default() -> None:
    # A Pulumi default would be filled in for every stack and hide the environment preset.
    config = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for option in OPTIONS:
        if isinstance(option.default, Preset):
            assert "default" not in config[option.key], option.key


def test_readme_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text()
    for option in OPTIONS:
        assert f"| `{option.key}` |" in readme, option.key


def test_render_refuses_a_readme_without_markers() -> None:
    import pytest

    with pytest.raises(ValueError, match="README has no CONFIGURATION section"):
        docs.render_readme("# nothing here\n", ROOT)
