"""Reading a Pulumi.<stack>.yaml file defensively: whatever the file holds, a list of problems or
the project's config values, quickly and in bounded memory.

The file must be a regular file of at most `MAX_BYTES` (64 KiB: real stack files are a few KiB),
UTF-8 text, one YAML document without aliases (a few hundred bytes of aliases can expand into
gigabytes) nested at most `MAX_DEPTH` deep, with no key twice in a mapping, and a mapping at the
top whose `config` is a mapping. Every config key carries a namespace, as Pulumi requires; this
project's keys are returned without it, `aws:region` separately, other providers' keys are left
alone. Secure (encrypted) values are refused: secrets are not settings.

Scalars follow YAML 1.2's core schema, as Pulumi reads them: only true and false are booleans (yes,
no, on and off are text), integers are decimal, and anything else (hexadecimal, sexagesimal, dates,
fractions, numbers too long to be a setting) stays the text it was written as; the option types
then check that text (config_types.py).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode

from superset_stack.config_types import kind, shown

MAX_BYTES = 64 * 1024
MAX_DEPTH = 20
_MAX_INTEGER_DIGITS = 18  # a longer integer stays text, so its check can say how long it is


class StackFileError(ValueError):
    """A stack file that cannot be read as settings; `problems` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def stack_name_from_path(path: Path) -> str:
    """The stack a file is named after: Pulumi.<stack>.yaml."""
    match = re.fullmatch(r"Pulumi\.(?P<stack>[^.]+)\.ya?ml", path.name)
    if not match:
        raise StackFileError([f"stack file name must look like Pulumi.<stack>.yaml, got {shown(path.name)}"])
    return match["stack"]


def read(path: Path, *, project: str, setting_keys: frozenset[str]) -> tuple[dict[str, Any], str | None]:
    """The project's config values (namespace stripped) and aws:region of the stack file at `path`.

    `setting_keys` are the project's option keys: written under another namespace, they are refused
    with the right spelling. Raises StackFileError with every problem found.
    """
    where = f"stack file {str(path)!r}"
    document = _parse(_read_text(path, where), where)
    return _project_values(_config(document, where), project, setting_keys)


def _read_text(path: Path, where: str) -> str:
    """The file's text: a regular file, at most MAX_BYTES, UTF-8."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise StackFileError([f"{where} does not exist"]) from None
    except (OSError, ValueError) as error:
        raise StackFileError([f"{where} cannot be read: {_reason(error)}"]) from None
    if stat.S_ISDIR(status.st_mode):
        raise StackFileError([f"{where} is a directory; give a stack file such as Pulumi.dev.yaml"])
    if not stat.S_ISREG(status.st_mode):
        raise StackFileError([f"{where} is not a regular file"])
    too_large = (
        f"{where} is larger than {MAX_BYTES:,} bytes (64 KiB), the most a stack file may have; "
        "real ones have a few KiB"
    )
    if status.st_size > MAX_BYTES:
        raise StackFileError([too_large])
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise StackFileError([f"{where} cannot be read: {_reason(error)}"]) from None
    if len(data) > MAX_BYTES:  # it grew since stat
        raise StackFileError([too_large])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StackFileError([
            f"{where} is not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start}"
        ]) from None  # fmt: skip


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


# --- YAML ----------------------------------------------------------------------------------------


class _UniqueKeys(SafeConstructor):
    """Mappings in which no key appears twice (Pulumi refuses such a file too)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    raise ConstructorError(
                        None, None, f"key {shown(key_node.value)} appears twice", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# libyaml parses at C speed; PyYAML without it parses the same, slower
_Parsing = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _Loader(_UniqueKeys, _Parsing):  # type: ignore[valid-type,misc]
    """A safe loader with YAML 1.2 core scalars (see the module docstring)."""


def _core_bool(_loader: Any, node: ScalarNode) -> bool | str:
    text = str(node.value)
    return text.lower() == "true" if text.lower() in ("true", "false") else text


def _core_int(_loader: Any, node: ScalarNode) -> int | str:
    text = str(node.value)
    digits = text.lstrip("+-")
    if re.fullmatch(r"[-+]?[0-9]+", text) and len(digits) <= _MAX_INTEGER_DIGITS:
        return int(text)
    return text


def _as_written(_loader: Any, node: ScalarNode) -> str:
    return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:bool", _core_bool)
_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _as_written)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)


def _parse(text: str, where: str) -> Any:
    """The one YAML document in `text`, after a pass over its events refused aliases and depth."""
    try:
        refused = _refused_structure(text)
        if refused:
            raise StackFileError([f"{where} {refused}"])
        return yaml.load(text, Loader=_Loader)  # a safe loader: no Python objects
    except yaml.YAMLError as error:
        raise StackFileError([f"{where} is not valid YAML: {_yaml_error(error)}"]) from None


def _refused_structure(text: str) -> str | None:
    """Why the document's shape is refused (an alias, or nesting past MAX_DEPTH), or None."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            return (
                f"uses a YAML alias (*{str(event.anchor)[:40]}, line {line}); aliases are refused "
                "because a few of them can expand into gigabytes: write the value out"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return f"nests deeper than {MAX_DEPTH} levels (line {line}); a stack file needs a few"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _yaml_error(error: yaml.YAMLError) -> str:
    """A parser's message with its line and column, without echoing the file."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f"{error.context}, " if error.context else ""
        return f"{context}{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    if isinstance(error, yaml.reader.ReaderError):
        return f"{str(error).splitlines()[0]} (offset {error.position})"
    return " ".join(str(error).split())[:200]


# --- the config section --------------------------------------------------------------------------


def _config(document: Any, where: str) -> dict[Any, Any]:
    """The `config` mapping of a stack file's document."""
    shape = "a stack file is a mapping with a config: section, e.g. 'config: {aws:region: us-east-1}'"
    if document is None:
        raise StackFileError([f"{where} is empty; {shape}"])
    if not isinstance(document, dict):
        raise StackFileError([f"{where} holds {kind(document)} at the top; {shape}"])
    config = document.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise StackFileError([f"{where}: 'config' must be a mapping of keys to values, got {kind(config)}"])
    return config


def _project_values(
    config: dict[Any, Any], project: str, setting_keys: frozenset[str]
) -> tuple[dict[str, Any], str | None]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    region: str | None = None
    for full_key, value in config.items():
        if not isinstance(full_key, str):
            problems.append(f"config key {kind(full_key)}: expected text such as {project}:owner")
            continue
        namespace, colon, name = full_key.partition(":")
        if not colon:
            problems.append(_without_namespace(full_key, project, setting_keys))
        elif namespace != project:
            if full_key == "aws:region":
                region = _region(value, problems)
            elif name in setting_keys:
                problems.append(
                    f"{shown(full_key)}: {shown(namespace)} is not this project's namespace; "
                    f"write {project}:{name}"
                )
        elif isinstance(value, dict) and "secure" in value:
            problems.append(f"{name}: secure values are not settings; keep secrets out of config")
        else:
            values[name] = "" if value is None else value  # an empty value reads as empty text
    if problems:
        raise StackFileError(problems)
    return values, region


def _without_namespace(key: str, project: str, setting_keys: frozenset[str]) -> str:
    """What to write instead of a key without a namespace."""
    problem = f"{shown(key)}: a config key needs a namespace, and Pulumi refuses one without"
    if key in setting_keys:
        return f"{problem}; write {project}:{key}"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}", key):
        return f"{problem}; write {project}:{key} for a setting of this project"
    return f"{problem}; keys read <namespace>:<name>, e.g. {project}:owner"


def _region(value: Any, problems: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"aws:region: expected text such as us-east-1, got {kind(value)}")
        return None
    return value.strip()
