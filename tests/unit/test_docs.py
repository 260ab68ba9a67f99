"""Generated documentation stays current: Pulumi.yaml's schema and the README tables."""

from __future__ import annotations

from pathlib import Path

import yaml

from superset_stack import docs
from superset_stack.settings import OPTIONS, Preset

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    assert docs.stale_files(ROOT) == [], "run `superset-stack docs` and commit the result"


# Pulumi's project schema (sdk/go/common/workspace/project.json): a declaration holds only these
# properties, its type is one of these, an array names its items' type, and a typed value is checked
# against the type (an object is no string), so a list of objects is declared untyped.
DECLARATION_PROPERTIES = {"type", "items", "description", "secret", "default", "value"}
SIMPLE_TYPES = ("string", "integer", "boolean", "array")


def test_pulumi_yaml_types_and_describes_every_key() -> None:
    config = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(config) == [option.key for option in OPTIONS]
    for option in OPTIONS:
        entry = config[option.key]
        assert set(entry) <= DECLARATION_PROPERTIES, option.key
        assert entry["description"], option.key
        if option.items is not None:
            assert "type" not in entry and "items" not in entry, option.key
            assert entry["default"] == [], option.key
            assert option.items.describe() in " ".join(entry["description"].split()), option.key
            continue
        assert entry["type"] == option.type and entry["type"] in SIMPLE_TYPES, option.key
        if entry["type"] == "array":
            assert entry["items"] == {"type": "string"}, option.key


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


def test_the_budget_table_shows_every_preset_within_its_class() -> None:
    rows = [row.strip("|").split("|") for row in docs.budget_table().splitlines()[2:]]
    assert [row[0].strip() for row in rows] == ["dev", "staging", "prod"]
    for preset, _class, usable, steady, worst, left in ([cell.strip() for cell in row] for row in rows):
        assert int(steady) < int(worst) <= int(usable), preset
        assert int(left) == int(usable) - int(worst)
