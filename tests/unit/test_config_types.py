"""Option types: every raw value's kind is checked before it is converted, with the exact message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from superset_stack.config_types import Field, ObjectType, coerce, kind, shown


def checked(type: Any, raw: Any, **options: Any) -> tuple[Any, list[str]]:
    problems: list[str] = []
    return coerce("key", type, raw, problems, **options), problems


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    name: str
    port: int | None = None


ENDPOINT = ObjectType(
    noun="endpoint",
    fields=(
        Field("name", "string", "what it is", required=True),
        Field("port", "integer", "where it listens"),
    ),
    build=Endpoint,
)


class TestScalars:
    @pytest.mark.parametrize(
        ("raw", "value"), [(5, 5), ("5", 5), (" -12 ", -12), ("+7", 7), (10**14, 10**14), ("0512", 512)]
    )
    def test_integers_from_yaml_numbers_or_pulumi_text(self, raw: Any, value: int) -> None:
        assert checked("integer", raw) == (value, [])

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (True, "key: expected an integer, got true (a boolean)"),
            ("true", "key: expected an integer, got 'true'"),
            (1.5, "key: expected an integer, got 1.5"),
            ("1_000", "key: expected an integer, got '1_000'"),
            ("0x400", "key: expected an integer, got '0x400'"),
            ("", "key: expected an integer, got ''"),
            (None, "key: expected an integer, got nothing"),
            ([1], "key: expected an integer, got a list"),
            ({"a": 1}, "key: expected an integer, got a mapping"),
            (b"1", "key: expected an integer, got binary data"),
            ({1, 2}, "key: expected an integer, got a set"),
            ("9" * 5000, "key: expected an integer of at most 15 digits, got one of 5000 digits"),
            (10**16, "key: expected an integer of at most 15 digits, got one of 17 digits"),
        ],
    )
    def test_anything_else_is_not_an_integer(self, raw: Any, problem: str) -> None:
        assert checked("integer", raw) == (None, [problem])

    @pytest.mark.parametrize(("raw", "value"), [(True, True), ("false", False), (" TRUE ", True)])
    def test_booleans(self, raw: Any, value: bool) -> None:
        assert checked("boolean", raw) == (value, [])

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (1, "key: expected true or false, got 1"),
            ("yes", "key: expected true or false, got 'yes'"),
            ([True], "key: expected true or false, got a list"),
        ],
    )
    def test_anything_else_is_not_a_boolean(self, raw: Any, problem: str) -> None:
        assert checked("boolean", raw) == (None, [problem])

    @pytest.mark.parametrize(("raw", "value"), [(" team ", "team"), (18, "18"), (None, ""), (8.2, "8.2")])
    def test_text_and_numbers_written_as_text(self, raw: Any, value: str) -> None:
        assert checked("string", raw) == (value, [])

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (["a", "b"], "key: expected text, got a list"),
            ({"name": "x"}, "key: expected text, got a mapping"),
            (True, "key: expected text, got true (a boolean); quote it if you mean the word"),
            ("x" * 1025, "key: expected text of at most 1024 characters, got 1025"),
        ],
    )
    def test_a_list_or_a_mapping_never_becomes_text(self, raw: Any, problem: str) -> None:
        assert checked("string", raw) == (None, [problem])

    def test_choices(self) -> None:
        assert checked("string", "b", choices=("a", "b")) == ("b", [])
        assert checked("string", "c", choices=("a", "b")) == (None, ["key: got 'c'; allowed: a, b"])


class TestLists:
    def test_a_list_of_texts_from_yaml_or_json(self) -> None:
        assert checked("array", ["a", "b"]) == (("a", "b"), [])
        assert checked("array", '["a", "b"]') == (("a", "b"), [])

    def test_every_item_is_checked(self) -> None:
        assert checked("array", ["a", 1, ["b"]]) == (
            None,
            ["key[1]: expected text, got 1", "key[2]: expected text, got a list"],
        )

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            ("10.0.0.0/8", "key: expected a list of strings, got '10.0.0.0/8'"),
            ({"a": 1}, "key: expected a list of strings, got a mapping"),
            (["x"] * 101, "key: expected at most 100 items, got 101"),
            pytest.param(
                "[" * 5000,
                "key: expected a list of strings, got '" + "[" * 56 + "... (5000 characters)",
                id="deep-json",
            ),
        ],
    )
    def test_not_a_list(self, raw: Any, problem: str) -> None:
        assert checked("array", raw) == (None, [problem])


class TestObjects:
    def test_objects_are_built_from_their_fields(self) -> None:
        value, problems = checked("array", [{"name": "a", "port": "5439"}, {"name": "b"}], items=ENDPOINT)
        assert problems == []
        assert value == (Endpoint(name="a", port=5439), Endpoint(name="b"))

    def test_pulumi_hands_them_over_as_json(self) -> None:
        assert checked("array", '[{"name": "a", "port": 1}]', items=ENDPOINT) == (
            (Endpoint(name="a", port=1),),
            [],
        )

    def test_every_field_is_type_checked_by_the_same_code(self) -> None:
        value, problems = checked(
            "array",
            [{"name": ["a"], "port": True}, {"port": 1, "host": "x"}, "name: c", {"name": "", "port": None}],
            items=ENDPOINT,
        )
        assert value is None
        assert problems == [
            "key[0].name: expected text, got a list",
            "key[0].port: expected an integer, got true (a boolean)",
            "key[1]: unknown field 'host'; allowed: name, port",
            "key[1].name: required (what it is)",
            "key[2]: expected a mapping with name, port (one endpoint), got 'name: c'",
            "key[3].name: required (what it is)",
        ]

    def test_describe_lists_the_fields(self) -> None:
        assert ENDPOINT.describe() == "name (string, required): what it is; port (integer): where it listens"


def test_long_values_are_cut_in_messages() -> None:
    assert shown("a" * 100) == "'" + "a" * 56 + "... (100 characters)"
    assert shown("short") == "'short'"
    assert kind(3.5) == "3.5"


@dataclass(frozen=True, kw_only=True)
class Mount:
    path: str
    read_only: bool | None = None
    options: tuple[str, ...] | None = None


MOUNT = ObjectType(
    noun="mount",
    fields=(
        Field("path", "string", "where", required=True),
        Field("readOnly", "boolean", "no writes"),
        Field("options", "strings", "mount options"),
    ),
    build=Mount,
)


def test_object_fields_may_be_booleans_and_lists_of_texts() -> None:
    raw = [
        {"path": "/a", "readOnly": "true", "options": [" noexec ", "nosuid"]},
        {"path": "/b", "options": []},
    ]
    assert checked("array", raw, items=MOUNT) == (
        (Mount(path="/a", read_only=True, options=("noexec", "nosuid")), Mount(path="/b", options=())),
        [],
    )


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ({"readOnly": 1}, "key[0].readOnly: expected true or false, got 1"),
        ({"options": "noexec"}, "key[0].options: expected a list of texts, got 'noexec'"),
        (
            {"options": ["noexec", 5]},
            "key[0].options: item 1: expected text of at most 1024 characters, got 5",
        ),
        ({"options": ["x"] * 101}, "key[0].options: expected at most 100 items, got 101"),
    ],
)
def test_boolean_and_text_list_fields_are_checked_by_kind(field: dict[str, Any], problem: str) -> None:
    assert checked("array", [{"path": "/a", **field}], items=MOUNT) == (None, [problem])
