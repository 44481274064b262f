"""The bundled example registries: valid, and their diff is the one examples/README.md lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["acme", "acme-base"])
def test_example_registry_is_clean(name: str, run_cli: Cli) -> None:
    result = run_cli("validate", "--repo", str(EXAMPLES / name))
    assert result.code == 0
    assert result.out == "0 errors, 0 warnings in 9 files\n"


def test_example_diff_is_the_documented_one(run_cli: Cli) -> None:
    result = run_cli(
        "diff", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"), "--format", "json"
    )
    assert result.code == 1  # breaking changes under fail_on: breaking
    found = {(c["rule"], c["subject"], c["level"]) for c in result.json()["changes"]}
    assert found == {
        ("event-renamed", "events/Signed Up", "breaking"),
        ("enum-value-removed", "events/Signed Up/properties/type", "breaking"),
        ("property-type-changed", "group/traits/employees", "breaking"),
        ("property-constraint-narrowed", "group/traits/employees", "breaking"),
        ("property-removed", "events/Product Viewed/properties/image_url", "breaking"),
        ("event-added", "events/Product Shared", "info"),
        ("property-added", "events/Order Completed/properties/coupon", "info"),
        ("plan-metadata-changed", "plan/objectives", "info"),
        ("plan-metadata-changed", "plan/lifecycle", "info"),
    }
    plans = result.json()["plans"]
    assert plans["segment"]["next"] == "1.0.0" and plans["segment"]["bump"] == "major"


def test_example_review_renders(run_cli: Cli) -> None:
    result = run_cli("review", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"))
    assert result.out.startswith("<!-- trackplan:review -->\n## trackplan review\n")
    assert "### Breaking changes" in result.out
    assert "<details><summary>4 other changes</summary>" in result.out
