"""The value types of the option registry, and the one check of a raw value against its type.

A stack file gives YAML values (text, numbers, booleans, lists, mappings); the Pulumi engine hands
a program text, with lists and objects as JSON text. `coerce` accepts both and checks the kind of a
value before converting it: an integer is a whole number of at most 15 digits (never a boolean,
never a fraction); a boolean is exactly true or false; text is text or a number, never a list or a
mapping turned into the text of one; a list holds texts, or objects of one declared type. A field
of an object is text, an integer, a boolean, or `strings` (a list of texts).

An object type is one small declaration, `ObjectType`: the noun for one item, the fields (key,
type, description, required or not) and the frozen dataclass built from them, whose attributes are
the field keys in snake_case. Every object type is checked by the same code here; what the fields
mean together (one of several targets, a range in order) is a validator's concern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ConfigType = Literal["string", "integer", "boolean", "array"]
FieldType = Literal["string", "integer", "boolean", "strings"]

MAX_DIGITS = 15  # far above any count, size or port; a longer number is a mistake, not a setting
MAX_TEXT = 1024  # characters of one text value: longer than any name, ARN, window or waiver
MAX_ITEMS = 100  # items of a list setting (each option may allow fewer)
_SHOWN = 60  # characters of a value quoted back in a message
_INTEGER = re.compile(r"[-+]?[0-9]+")


@dataclass(frozen=True)
class Field:
    """One field of an object in a list setting."""

    key: str
    type: FieldType
    description: str
    required: bool = False

    @property
    def attribute(self) -> str:
        return snake_case(self.key)


@dataclass(frozen=True)
class ObjectType:
    """The items of a list setting: how a message names one (`noun`), its fields, and the frozen
    dataclass `build` makes from the fields' attributes (a field not given is None)."""

    noun: str
    fields: tuple[Field, ...]
    build: Callable[..., Any]

    def describe(self) -> str:
        """The fields as the README and Pulumi.yaml list them."""
        return "; ".join(
            f"{field.key} ({field.type}{', required' if field.required else ''}): {field.description}"
            for field in self.fields
        )


def network_targets(
    cidr: str | None, prefix_list_id: str | None, security_group_id: str | None
) -> dict[str, str]:
    """The network targets an object gives (egress destinations, warehouse connections), by field
    key; how many a valid one has is a validator's concern."""
    given = {"cidr": cidr, "prefixListId": prefix_list_id, "securityGroupId": security_group_id}
    return {key: value for key, value in given.items() if value is not None}


def snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def shown(value: Any) -> str:
    """A value quoted back in a message: its repr, cut short with its length when long."""
    text = repr(value)
    if len(text) <= _SHOWN:
        return text
    length = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters"
    return f"{text[: _SHOWN - 3]}... ({length})"


def kind(value: Any) -> str:
    """What a value is, in the words of a stack file."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str | int | float):
        return shown(value)
    for kinds, name in _KINDS:
        if isinstance(value, kinds):
            return name
    return f"a {type(value).__name__}"


_KINDS: tuple[tuple[Any, str], ...] = (
    (type(None), "nothing"),
    (list | tuple, "a list"),
    (dict, "a mapping"),
    (bytes, "binary data"),
)


def coerce(
    key: str,
    type: ConfigType,
    raw: Any,
    problems: list[str],
    *,
    choices: Sequence[str] = (),
    items: ObjectType | None = None,
) -> Any:
    """`raw` as the option's type, or None after recording why it is not one."""
    if type == "array":
        return _objects(key, raw, items, problems) if items is not None else _texts(key, raw, problems)
    value, problem = _SCALARS[type](raw)
    if problem:
        problems.append(f"{key}: {problem}")
        return None
    if choices and value not in choices:
        problems.append(f"{key}: got {shown(value)}; allowed: {', '.join(choices)}")
        return None
    return value


def _integer(raw: Any) -> tuple[int | None, str | None]:
    if isinstance(raw, bool) or raw is None or not isinstance(raw, int | str):
        return None, f"expected an integer, got {kind(raw)}"
    text = str(raw).strip()
    if not _INTEGER.fullmatch(text):
        return None, f"expected an integer, got {kind(raw)}"
    digits = len(text.lstrip("+-"))
    if digits > MAX_DIGITS:
        return None, f"expected an integer of at most {MAX_DIGITS} digits, got one of {digits} digits"
    return int(text), None


def _boolean(raw: Any) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true", None
    return None, f"expected true or false, got {kind(raw)}"


def _text(raw: Any) -> tuple[str | None, str | None]:
    if raw is None:
        return "", None
    if isinstance(raw, bool):
        return None, f"expected text, got {kind(raw)}; quote it if you mean the word"
    if isinstance(raw, int | float):
        raw = str(raw)  # a version written as a number, as the Pulumi engine reads it
    if not isinstance(raw, str):
        return None, f"expected text, got {kind(raw)}"
    if len(raw) > MAX_TEXT:
        return None, f"expected text of at most {MAX_TEXT} characters, got {len(raw)}"
    return raw.strip(), None


_SCALARS: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    "integer": _integer,
    "boolean": _boolean,
    "string": _text,
}


def _text_list(raw: Any) -> tuple[tuple[str, ...] | None, str | None]:
    """A field holding a list of texts (a YAML list): each one text, at most MAX_ITEMS of them."""
    if not isinstance(raw, list):
        return None, f"expected a list of texts, got {kind(raw)}"
    if len(raw) > MAX_ITEMS:
        return None, f"expected at most {MAX_ITEMS} items, got {len(raw)}"
    for index, item in enumerate(raw):
        if not isinstance(item, str) or len(item) > MAX_TEXT:
            what = kind(item) if not isinstance(item, str) else f"text of {len(item)} characters"
            return None, f"item {index}: expected text of at most {MAX_TEXT} characters, got {what}"
    return tuple(item.strip() for item in raw), None


_FIELDS: dict[str, Callable[[Any], tuple[Any, str | None]]] = {**_SCALARS, "strings": _text_list}


def _list(key: str, raw: Any, what: str, problems: list[str]) -> list[Any] | None:
    """The items of a list value (a YAML list, or JSON text from the Pulumi engine)."""
    items = raw
    if isinstance(raw, str):
        try:
            items = json.loads(raw)
        except (ValueError, RecursionError):
            items = None
    if not isinstance(items, list):
        problems.append(f"{key}: expected a list of {what}, got {kind(raw)}")
        return None
    if len(items) > MAX_ITEMS:
        problems.append(f"{key}: expected at most {MAX_ITEMS} items, got {len(items)}")
        return None
    return items


def _texts(key: str, raw: Any, problems: list[str]) -> tuple[str, ...] | None:
    items = _list(key, raw, "strings", problems)
    if items is None:
        return None
    found = len(problems)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            problems.append(f"{key}[{index}]: expected text, got {kind(item)}")
        elif len(item) > MAX_TEXT:
            problems.append(
                f"{key}[{index}]: expected text of at most {MAX_TEXT} characters, got {len(item)}"
            )
    return tuple(items) if len(problems) == found else None


def _objects(key: str, raw: Any, spec: ObjectType, problems: list[str]) -> tuple[Any, ...] | None:
    items = _list(key, raw, f"{spec.noun} mappings", problems)
    if items is None:
        return None
    found = len(problems)
    built = [_object(f"{key}[{index}]", item, spec, problems) for index, item in enumerate(items)]
    return tuple(built) if len(problems) == found else None


def _object(where: str, raw: Any, spec: ObjectType, problems: list[str]) -> Any:
    """One item: a mapping of known fields, each of its type, the required ones present."""
    allowed = ", ".join(field.key for field in spec.fields)
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with {allowed} (one {spec.noun}), got {kind(raw)}")
        return None
    by_key = {field.key: field for field in spec.fields}
    for name in raw:
        if name not in by_key:
            problems.append(f"{where}: unknown field {shown(name)}; allowed: {allowed}")
    values: dict[str, Any] = {}
    for field in spec.fields:
        given = raw.get(field.key)
        if given is None or given == "":
            if field.required:
                problems.append(f"{where}.{field.key}: required ({field.description})")
            values[field.attribute] = None
            continue
        value, problem = _FIELDS[field.type](given)
        if problem:
            problems.append(f"{where}.{field.key}: {problem}")
        values[field.attribute] = value
    return spec.build(**values)
