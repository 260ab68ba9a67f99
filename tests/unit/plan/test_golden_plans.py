"""Every example stack, preset and option variant plans exactly as its golden file says.

A refactor keeps them byte-identical; a change that alters the plan on purpose rewrites them with
`python -m tests.golden_plans --update`, so the review shows the plan's difference.
"""

from __future__ import annotations

import pytest

from tests.golden_plans import GOLDEN, render_all


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_all()


def test_every_variant_has_a_golden_plan(rendered: dict[str, str]) -> None:
    assert sorted(path.stem for path in GOLDEN.glob("*.json")) == sorted(rendered)


def test_plans_equal_their_golden_files(rendered: dict[str, str]) -> None:
    differ = [name for name, text in rendered.items() if (GOLDEN / f"{name}.json").read_text() != text]
    assert differ == [], "plans changed; if on purpose: python -m tests.golden_plans --update"
