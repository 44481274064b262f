"""An event's `variants` (a discriminator and its cases): checked by `trackplan check`, the
release's schema and generated code alike, and compared case by case in the diff."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from registry.load.loader import load_registry
from registry.load.snapshot import FolderSnapshot
from registry.release.artifacts import plan_document, schema_bundle
from tests.codegen_kit import python_failing, typescript_failing, violations_said
from tests.conftest import CliResult, write_files
from tests.test_codegen import load_module, tsc_path  # noqa: F401 (a fixture)

Cli = Callable[..., CliResult]

PLAN = """plan: {id: web}
events:
  Page Viewed:
    additional_properties: false
    properties:
      page_type: {type: string, enum: [search, product, home], required: true}
      query: {type: string}
      product_id: {type: string}
      referrer: {type: string}
    variants:
      - discriminator: page_type
        cases:
          - name: Search results
            match: [search]
            properties:
              query: {required: true, minLength: 1}
          - match: [product]
            properties:
              product_id: {required: true}
        default:
          properties:
            referrer: {required: true}
"""

CALLS = [
    {"page_type": "search", "query": "shoes"},  # clean
    {"page_type": "search"},
    {"page_type": "search", "query": ""},
    {"page_type": "product", "product_id": "p1"},  # clean
    {"page_type": "product", "query": "x"},
    {"page_type": "home", "referrer": "mail"},  # clean
    {"page_type": "home"},
    {"page_type": "search", "query": "x", "colour": "red"},  # closed: unplanned key
]
# (call index, property, what trackplan check says)
CHECKED = [
    (1, "query", "required when page_type is 'search', missing"),
    (2, "query", "length 0, minLength 1"),
    (4, "product_id", "required when page_type is 'product', missing"),
    (6, "referrer", "required when page_type is anything else, missing"),
    (7, "colour", "not in the plan"),
]


def _registry(tmp_path: Path, plan: str = PLAN) -> Path:
    return write_files(tmp_path / "repo", {"plans/web/plan.yaml": plan})


def test_check_applies_the_case_the_discriminator_selects(run_cli: Cli, tmp_path: Path) -> None:
    repo = _registry(tmp_path)
    assert run_cli("validate", "--repo", str(repo)).code == 0
    calls = tmp_path / "calls.jsonl"
    calls.write_text("".join(json.dumps({"event": "Page Viewed", "properties": p}) + "\n"
                             for p in CALLS))  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(repo), "--format", "json")
    assert done.code == 1, done.err
    found = sorted((line - 1, f["property"], f["detail"])
                   for f in done.json()["findings"] for line in f["lines"])  # fmt: skip
    assert found == CHECKED


def test_the_release_schema_says_what_check_says(tmp_path: Path) -> None:
    plan = load_registry(FolderSnapshot(_registry(tmp_path))).registry.plans["web"]
    bundle = schema_bundle(plan, "1.0.0")
    validator = jsonschema.Draft202012Validator(bundle)
    failing = {
        i
        for i, props in enumerate(CALLS)
        if list(validator.iter_errors({"event": "Page Viewed", "properties": props}))
    }
    assert failing == {i for i, _, _ in CHECKED}
    document = plan_document(plan, "1.0.0")
    variant = document["events"]["Page Viewed"]["variants"][0]
    assert variant["discriminator"] == "page_type"
    assert [c.get("name") for c in variant["cases"]] == ["Search results", None]
    assert variant["default"]["properties"]["referrer"]["required"] is True


def test_generated_code_checks_the_cases_at_run_time(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    repo = _registry(tmp_path)
    for lang in ("python", "typescript"):
        assert run_cli("generate", "--lang", lang, "--repo", str(repo), "--out",
                       str(tmp_path)).code == 0  # fmt: skip
    expected = [f"/{prop} {said}" for _, prop, said in CHECKED if "length" not in said
                and "not in the plan" not in said]  # fmt: skip
    generated = load_module(tmp_path / "web.py")
    said: list[str] = []
    sink = type("Sink", (), {"track": lambda *a: None})()
    tracker = generated.Tracker(sink, on_violation=lambda v: said.append(f"{v.path} {v.message}"))
    for props in CALLS[:7]:
        tracker.track_page_viewed(props)
    assert [s for s in said if "required" in s] == expected
    assert "/query shorter than 1" in said
    calls = [f"t.trackPageViewed({json.dumps(p)} as any);" for p in CALLS[:7]]
    ts_said = violations_said(tsc_path, tmp_path, "web", calls)
    assert [s for s in ts_said if "required" in s] == expected
    assert "/query shorter than 1" in ts_said


def _diff(run_cli: Cli, tmp_path: Path, before: str, after: str) -> list[tuple[Any, ...]]:
    base = write_files(tmp_path / "base", {"plans/web/plan.yaml": before})
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": after})
    done = run_cli("diff", str(base), str(head), "--format", "json")
    assert done.code in (0, 1), done.err
    return sorted((c["rule"], c["location"]["file"], c["location"]["line"], c["message"],
                   tuple(c["breaks"]))
                  for c in done.json()["changes"])  # fmt: skip


def test_the_diff_compares_cases_by_discriminator_and_values(run_cli: Cli, tmp_path: Path) -> None:
    after = PLAN.replace("query: {required: true, minLength: 1}", "query: {minLength: 3}")
    after = after.replace("          - match: [product]\n            properties:\n"
                          "              product_id: {required: true}\n", "")  # fmt: skip
    after = after.replace("referrer: {required: true}", "referrer: {required: true}\n"
                          "            product_id: {required: true}")  # fmt: skip
    file = "plans/web/plan.yaml"
    # By what applies per value: 'product' now falls to the default, which keeps product_id
    # required there and adds referrer; only values no case names gain product_id.
    assert _diff(run_cli, tmp_path, PLAN, after) == [
        (
            "property-constraint-narrowed",
            file,
            16,
            "property 'query' of 'Page Viewed' when page_type is 'search' tightened min length "
            "from 1 to 3",
            ("producers",),
        ),
        (
            "property-made-optional",
            file,
            16,
            "property 'query' of 'Page Viewed' when page_type is 'search' became optional",
            ("consumers",),
        ),
        (
            "property-made-required",
            file,
            19,
            "property 'referrer' of 'Page Viewed' when page_type is 'product' became required",
            ("producers",),
        ),
        (
            "property-made-required",
            file,
            20,
            "property 'product_id' of 'Page Viewed' when page_type is anything else became "
            "required",
            ("producers",),
        ),
    ]


def test_the_catalog_shows_each_case(run_cli: Cli, tmp_path: Path) -> None:
    repo = _registry(tmp_path)
    assert run_cli("catalog", "--repo", str(repo), "--out", str(tmp_path / "site")).code == 0
    page = next((tmp_path / "site").rglob("page-viewed*.html")).read_text()
    cases = re.findall(r"<h3>(When [^<]*)</h3>", page)
    assert cases == ["When page_type is search — Search results", "When page_type is product",
                     "When page_type is anything else"]  # fmt: skip


REWRITES = [  # (a rewrite of PLAN's variants that changes nothing a call must do)
    ("match: [search]", "match: [search, search]"),  # a value twice
    (
        "          - match: [product]\n            properties:\n"
        "              product_id: {required: true}\n",
        "          - match: [product]\n            properties:\n"
        "              product_id: {required: true}\n"
        "          - match: [product]\n            properties:\n"
        "              referrer: {required: true}\n",
    ),  # a dead case: the first match wins
    (
        "query: {required: true, minLength: 1}",
        "query: {required: true, minLength: 1, type: string}",
    ),  # restating the event's own type
]


@pytest.mark.parametrize(("before", "after"), REWRITES)
def test_rewriting_cases_without_changing_what_they_ask_is_no_change(
    run_cli: Cli, tmp_path: Path, before: str, after: str
) -> None:
    assert before in PLAN
    assert _diff(run_cli, tmp_path, PLAN, PLAN.replace(before, after)) == []


def test_a_change_to_the_event_s_own_definition_is_said_once(run_cli: Cli, tmp_path: Path) -> None:
    after = PLAN.replace("query: {type: string}", "query: {type: string, maxLength: 50}")
    found = _diff(run_cli, tmp_path, PLAN, after)
    assert [(rule, message) for rule, _, _, message, _ in found] == [
        ("property-constraint-narrowed",
         "property 'query' of 'Page Viewed' gained max length 50")]  # fmt: skip


def test_values_moving_between_cases_are_compared_by_what_applies(
    run_cli: Cli, tmp_path: Path
) -> None:
    before = PLAN.replace("match: [search]", "match: [search, home]")
    # Splitting [search, home] into two equal cases changes nothing; dropping 'home' from
    # the case makes it fall to the default: referrer required, query no longer.
    split = before.replace(
        "          - match: [product]",
        "          - match: [home]\n"
        "            properties:\n"
        "              query: {required: true, minLength: 1}\n"
        "          - match: [product]",
    ).replace("[search, home]", "[search]")
    assert _diff(run_cli, tmp_path / "a", before, split) == []
    found = _diff(run_cli, tmp_path / "b", before, PLAN)
    assert [(rule, message) for rule, _, _, message, _ in found] == [
        ("property-constraint-widened",
         "property 'query' of 'Page Viewed' when page_type is 'home' dropped min length 1"),
        ("property-made-optional",
         "property 'query' of 'Page Viewed' when page_type is 'home' became optional"),
        ("property-made-required",
         "property 'referrer' of 'Page Viewed' when page_type is 'home' became required"),
    ]  # fmt: skip


AGREE_PLAN = """plan: {id: web}
events:
  Order Placed:
    properties:
      flag: {type: [boolean, integer]}
      kind: {type: [string, object]}
      reason: {type: string}
      note: {type: string}
      address: {type: [object, 'null'], properties: {city: {type: string}}}
    variants:
      - discriminator: flag
        cases:
          - match: [false]
            properties: {reason: {required: true}}
      - discriminator: kind
        cases:
          - match: [{x: 1, y: 2}]
            properties: {note: {required: true}}
          - match: [shipped]
            properties: {address: {properties: {city: {required: true}}}}
"""
AGREE_CALLS = [
    {"flag": 0},  # 0 is not false: no reason needed
    {"flag": False},  # needs a reason
    {"flag": 1},  # 1 is not true (no case anyway)
    {"kind": {"y": 2, "x": 1}},  # the object case, keys in another order: needs a note
    {"kind": "shipped", "address": None},  # the case constrains an address that is an object
    {"kind": "shipped", "address": {}},  # needs its city
    {"kind": "shipped", "address": {"city": "Oslo"}},
]
AGREE_FAILING = {1, 3, 5}


def test_check_the_release_schema_and_generated_code_agree_on_every_call(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    repo = _registry(tmp_path, AGREE_PLAN)
    assert run_cli("validate", "--repo", str(repo)).code == 0
    calls = tmp_path / "calls.jsonl"
    calls.write_text("".join(json.dumps({"event": "Order Placed", "properties": p}) + "\n"
                             for p in AGREE_CALLS))  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(repo), "--format", "json")
    assert {line - 1 for f in done.json()["findings"] for line in f["lines"]} == AGREE_FAILING
    plan = load_registry(FolderSnapshot(repo)).registry.plans["web"]
    validator = jsonschema.Draft202012Validator(schema_bundle(plan, "1.0.0"))
    assert {i for i, props in enumerate(AGREE_CALLS) if list(validator.iter_errors(
        {"event": "Order Placed", "properties": props}))} == AGREE_FAILING  # fmt: skip
    for lang in ("python", "typescript"):
        assert run_cli("generate", "--lang", lang, "--repo", str(repo), "--out",
                       str(tmp_path)).code == 0  # fmt: skip
    assert python_failing(tmp_path / "web.py", "track_order_placed", AGREE_CALLS) == AGREE_FAILING
    assert typescript_failing(tsc_path, tmp_path, "web", "trackOrderPlaced",
                              AGREE_CALLS) == AGREE_FAILING  # fmt: skip
