"""The validator registry: every validator listed once; a problem reads `key: text`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import ModuleType

from superset_stack import validators
from superset_stack.validators import VALIDATORS, Problem, required


def validator_modules() -> list[ModuleType]:
    """Every module of the package except the private helpers (_problem, _windows)."""
    return [
        importlib.import_module(f"{validators.__name__}.{info.name}")
        for info in pkgutil.iter_modules(validators.__path__)
        if not info.name.startswith("_")
    ]


def public_functions(module: ModuleType) -> list[Callable[..., object]]:
    return [
        function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    ]


def qualified(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__name__}"


def test_the_registry_lists_every_validator_module_function_exactly_once() -> None:
    modules = validator_modules()
    assert {module.__name__.rsplit(".", 1)[1] for module in modules} >= {
        "network", "edge", "database", "cache", "storage", "compute", "schedules", "tags", "operations",
        "waivers",
    }  # fmt: skip
    assert all(public_functions(module) for module in modules), "a validator module without a validator"
    defined = sorted(qualified(function) for module in modules for function in public_functions(module))
    assert sorted(qualified(validator) for validator in VALIDATORS) == defined


def test_validators_are_named_for_what_they_check() -> None:
    assert all(validator.__name__.startswith("validate_") for validator in VALIDATORS)


def test_a_problem_reads_key_colon_text() -> None:
    assert str(Problem("vpcCidr", "prefix must be /16 to /24, got 10.0.0.0/8")) == (
        "vpcCidr: prefix must be /16 to /24, got 10.0.0.0/8"
    )
    assert str(required("owner")) == "owner: required; set it with `pulumi config set owner <value>`"
