"""What a validator returns: one mistake, as the setting's key and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in the settings; reads `key: text` in the error the user sees."""

    key: str
    text: str

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"


def required(key: str) -> Problem:
    """A required setting that is missing or empty."""
    return Problem(key, f"required; set it with `pulumi config set {key} <value>`")
