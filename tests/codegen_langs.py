"""What every generated language is tested with: one plan, one table of calls, one table of
typed uses; and, per compiled language, how to build a snippet and ask which calls fail."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

# One plan with every shape generated code must handle: required and optional, each JSON
# type, enums, formats, patterns, bounds, arrays of objects, nested objects open and closed,
# nullable, anyOf, a closed event, a deprecated and renamed event, variants.
PLAN = """plan:
  id: app
  title: "App \\"quoted\\" */ \\\\u000a plan"
common:
  properties:
    platform: {type: string, enum: [ios, android, web], required: true}
identify:
  traits:
    email: {type: string, format: email, required: true}
    plan_tier: {type: string, enum: [free, pro]}
events:
  Signed Up:
    description: "A user created an account. Ends */ a comment? \\\\u000a no."
    renamed_from: [Signup]
    properties:
      method: {type: string, enum: [email, google], required: true}
      age: {type: integer, minimum: 13, maximum: 130}
      referrer: {type: string, format: uri}
      code: {type: string, pattern: "^[A-Z]{3}$"}
  Order Completed:
    additional_properties: false
    properties:
      order_id: {type: string, minLength: 1, required: true}
      total: {type: number, exclusiveMinimum: 0, required: true}
      coupon: {type: [string, "null"]}
      items:
        type: array
        required: true
        items:
          type: object
          properties:
            sku: {type: string, required: true}
            quantity: {type: integer, minimum: 1}
      address:
        type: object
        additional_properties: false
        properties:
          city: {type: string, required: true}
      meta:
        type: object
        properties:
          source: {type: string}
      ref: {anyOf: [{type: string}, {type: integer}]}
      payment: {type: string, enum: [card, invoice]}
      po_number: {type: string}
    variants:
      - discriminator: payment
        cases:
          - match: [invoice]
            properties:
              po_number: {required: true}
  Old Thing Happened:
    deprecated: {reason: Nobody reads it, replaced_by: Signed Up}
    properties:
      flag: {type: boolean}
      big: {type: integer, maximum: 9007199254740992}
"""

ORDER = {"platform": "ios", "order_id": "o1", "total": 10.5, "items": [{"sku": "a"}]}
# (event, properties): calls whose outcome every checker must agree on.
CALLS: list[tuple[str, dict[str, object]]] = [
    ("Signed Up", {"platform": "ios", "method": "email"}),
    ("Signed Up", {"platform": "ios", "method": "fax"}),
    ("Signed Up", {"platform": "ios"}),
    ("Signed Up", {"platform": "tv", "method": "email"}),
    ("Signed Up", {"platform": "ios", "method": "email", "age": 12}),
    ("Signed Up", {"platform": "ios", "method": "email", "age": 13.5}),
    ("Signed Up", {"platform": "ios", "method": "email", "age": 30.0}),
    ("Signed Up", {"platform": "ios", "method": "email", "age": "30"}),
    ("Signed Up", {"platform": "ios", "method": "email", "referrer": "https://x.y"}),
    ("Signed Up", {"platform": "ios", "method": "email", "referrer": "not a uri"}),
    ("Signed Up", {"platform": "ios", "method": "email", "code": "ABC"}),
    ("Signed Up", {"platform": "ios", "method": "email", "code": "ABCD"}),
    ("Signed Up", {"platform": "ios", "method": "email", "code": "ABC\n"}),  # RE2's `$`
    ("Signed Up", {"platform": "ios", "method": "email", "extra": {"any": ["thing"]}}),
    ("Order Completed", ORDER),
    ("Order Completed", {**ORDER, "total": 0}),
    ("Order Completed", {**ORDER, "order_id": ""}),
    ("Order Completed", {**ORDER, "coupon": None}),
    ("Order Completed", {**ORDER, "coupon": 5}),
    ("Order Completed", {**ORDER, "items": [{"sku": "a", "quantity": 0}]}),
    ("Order Completed", {**ORDER, "items": [{"quantity": 2}]}),
    ("Order Completed", {**ORDER, "items": [{"sku": "a", "colour": "red"}]}),
    ("Order Completed", {**ORDER, "address": {"city": "Oslo"}}),
    ("Order Completed", {**ORDER, "address": {"city": "Oslo", "zip": "1"}}),
    ("Order Completed", {**ORDER, "address": {}}),
    ("Order Completed", {**ORDER, "meta": {"source": "x", "more": 1}}),
    ("Order Completed", {**ORDER, "ref": "r1"}),
    ("Order Completed", {**ORDER, "ref": 7}),
    ("Order Completed", {**ORDER, "ref": True}),
    ("Order Completed", {**ORDER, "unplanned": 1}),
    ("Order Completed", {**ORDER, "payment": "invoice"}),
    ("Order Completed", {**ORDER, "payment": "invoice", "po_number": "P1"}),
    ("Order Completed", {**ORDER, "payment": "card"}),
    ("Order Completed", {key: v for key, v in ORDER.items() if key != "items"}),
    ("Old Thing Happened", {"platform": "web", "flag": "yes"}),
    # Whole numbers beyond a double's 2^53, compared exactly (as trackplan check does).
    ("Old Thing Happened", {"platform": "web", "big": 9007199254740993}),
    ("Old Thing Happened", {"platform": "web", "big": 9007199254740992}),
]


def env() -> dict[str, str]:
    """The environment tool runs get: no network for Go, caches that outlive a test."""
    out = dict(os.environ)
    cache = Path(os.environ.get("TRACKPLAN_TOOL_CACHE", "/tmp/trackplan-test-tools"))
    out.setdefault("GOCACHE", str(cache / "go-build"))
    out.setdefault("GOPATH", str(cache / "gopath"))
    out.update(GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0",
               GO111MODULE="on")  # fmt: skip
    return out


def tool(name: str, variable: str, install: str) -> str:
    """The path of a compiler the tests need: from `variable`, else PATH; CI must have it."""
    found = os.environ.get(variable) or shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it ({install})")
        pytest.skip(f"{name} not installed ({install})")
    return found


def by_file(output: str, root: Path, cwd: Path | None = None) -> dict[str, list[str]]:
    """Compiler errors (`path:line[:col]: message`, paths relative to `cwd`) by the snippet
    folder or file under `root` they are in."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = re.match(r"^(?:vet: |e: )?(?:\./)?(?P<file>[^:\s]+\.(?:go|java|kt|ts))[:(]\d+",
                         line.strip())  # fmt: skip
        if match is None:
            continue
        path = Path(match["file"])
        name = (path if path.is_absolute() else (cwd or root) / path).resolve()
        try:
            relative = name.relative_to(root.resolve())
        except ValueError:
            continue
        found.setdefault(relative.parts[0] if len(relative.parts) > 1 else relative.stem,
                         []).append(line)  # fmt: skip
    return found


def nasty_registry(root: Path) -> Path:
    """A registry whose plan `nasty` has names no language would choose (test_codegen.NASTY),
    with conventions that allow them."""
    from tests.conftest import write_files
    from tests.test_codegen import NASTY

    return write_files(root, {
        "trackplan.yaml": "conventions: {event_name: any, property_name: any, "
                          "event_grammar: any, forbid_dynamic_names: false}\n",
        "plans/nasty/plan.yaml": NASTY,
    })  # fmt: skip


def generated(run_cli: Any, lang: str, repo: Path, out: Path, plan: str) -> Path:
    """`trackplan generate --lang LANG` of one plan into `out`: the file it wrote."""
    done = run_cli("generate", "--lang", lang, "--repo", str(repo), "--plan", plan, "--out",
                   str(out), "--format", "json")  # fmt: skip
    assert done.code == 0, done.err
    (written,) = [Path(f["file"]) for f in done.json()["files"]]
    return written


def exact_in_a_double(props: dict[str, object]) -> bool:
    """Whether every number of a call survives a double (JavaScript's numbers and Swift's
    JSONValue hold no whole number beyond 2^53 exactly)."""
    return all(not isinstance(v, int) or abs(v) <= 2**53 for v in props.values())
