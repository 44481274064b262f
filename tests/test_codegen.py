"""`trackplan generate`: the generated TypeScript and Python compile under strict checkers,
catch mistakes at compile time, and send payloads the release's schema accepts."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from mypy import api as mypy_api

from tests.codegen_kit import conforming, synthetic_registry, tsc, violations_said
from tests.codegen_langs import nasty_registry
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"
_ERROR = re.compile(r"^(?P<file>[^(:]+)[(:](?P<line>\d+)[,:]")


@pytest.fixture
def tsc_path() -> str:
    found = tsc()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("typescript is missing: .ci/run installs it with npm")
        pytest.skip("typescript not installed (npm install --prefix .ci/tools typescript)")
    return found


def compile_ts(tsc_path: str, folder: Path, *files: str) -> dict[str, list[str]]:
    """tsc --strict over `files` (in `folder`): the error lines by file name."""
    done = subprocess.run(
        [tsc_path, "--strict", "--noEmit", "--target", "es2020", "--module", "commonjs", *files],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return _by_file(done.stdout + done.stderr)


def check_py(folder: Path, *files: str) -> dict[str, list[str]]:
    """mypy --strict over `files` (in `folder`): the error lines by file name."""
    cache = folder / ".mypy_cache"
    here = Path.cwd()
    os.chdir(folder)
    try:
        out, err, _ = mypy_api.run(["--strict", "--cache-dir", str(cache), *files])
    finally:
        os.chdir(here)
    return _by_file(out + err)


def _by_file(output: str) -> dict[str, list[str]]:
    """Each error with its indented detail lines, by file."""
    found: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in output.splitlines():
        match = _ERROR.match(line)
        if match and "error" in line:
            last = found.setdefault(Path(match["file"]).name, [])
            last.append(line)
        elif last and line[:1].isspace():
            last[-1] += "\n" + line
    return found


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


TS_GOOD = """import { createTracker, EVENTS, PLAN_VERSION } from "./shop";
const sent: Array<[string, Record<string, unknown>]> = [];
const tracker = createTracker({ track: (event, properties) => { sent.push([event, properties]); } });
tracker.trackCartViewed({ cart_id: "c1", platform: "web", session_id: "s1" });
tracker.trackCartViewed({ cart_id: "c1", platform: "ios", session_id: "s1", products: [
  { product_id: "p1", price: 9.5, quantity: 1 }] }, { experiment: "b" });
tracker.identify("u1", { email: "a@example.com", loyalty_tier: "gold" });
const version: string = PLAN_VERSION + Object.keys(EVENTS).length;
"""
TS_BAD = {
    "missing.ts": 'tracker.trackCartViewed({ cart_id: "c1", platform: "web" });',
    "enum.ts": 'tracker.trackCartViewed({ cart_id: "c1", platform: "android", session_id: "s" });',
    "typo.ts": 'tracker.trackCartViewed({ cart_id: "c1", platform: "web", sesion_id: "s" });',
}
TS_PRELUDE = (
    'import { createTracker } from "./shop";\nconst tracker = createTracker({ track() {} });\n'
)


def test_typescript_for_the_examples_compiles_and_rejects_wrong_calls(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    result = run_cli("generate", "--lang", "typescript", "--repo", str(EXAMPLES),
                     "--out", str(tmp_path))  # fmt: skip
    assert result.code == 0, result.err
    assert result.out == (f"wrote {tmp_path / 'segment.ts'}: plan segment 0.0.0-unreleased, "
                          f"12 events\nwrote {tmp_path / 'shop.ts'}: plan shop "
                          "0.0.0-unreleased, 12 events\n")  # fmt: skip
    (tmp_path / "good.ts").write_text(TS_GOOD)
    for name, call in TS_BAD.items():
        (tmp_path / name).write_text(TS_PRELUDE + call + "\n")
    errors = compile_ts(tsc_path, tmp_path, "segment.ts", "shop.ts", "good.ts", *TS_BAD)
    assert set(errors) == set(TS_BAD), errors  # the generated code and good.ts are clean
    assert "Property 'session_id' is missing" in errors["missing.ts"][0]
    assert '"android"' in errors["enum.ts"][0]
    assert "'sesion_id' does not exist" in errors["typo.ts"][0]
    for lines in errors.values():
        assert len(lines) == 1 and "(3," in lines[0]  # the call's line, and only it


PY_GOOD = """from shop import EVENTS, PLAN_VERSION, Tracker

class Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []

    def track(self, event: str, properties: dict[str, object]) -> None:
        self.sent.append((event, properties))

tracker = Tracker(Sink())
tracker.track_cart_viewed({"cart_id": "c1", "platform": "web", "session_id": "s1"})
tracker.track_cart_viewed(
    {"cart_id": "c1", "platform": "ios", "session_id": "s1",
     "products": [{"product_id": "p1", "price": 9.5, "quantity": 1}]},
    {"experiment": "b"},
)
tracker.identify("u1", {"email": "a@example.com", "loyalty_tier": "gold"})
version: str = PLAN_VERSION + str(len(EVENTS))
"""
PY_BAD = {
    "missing.py": 'tracker.track_cart_viewed({"cart_id": "c1", "platform": "web"})',
    "enum.py": 'tracker.track_cart_viewed({"cart_id": "c", "platform": "android", "session_id": "s"})',
    "typo.py": 'tracker.track_cart_viewed({"cart_id": "c", "platform": "web", "sesion_id": "s"})',
}
PY_PRELUDE = (
    "from typing import Any, cast\nfrom shop import Tracker\ntracker = Tracker(cast(Any, None))\n"
)


def test_python_for_the_examples_type_checks_and_rejects_wrong_calls(
    run_cli: Cli, tmp_path: Path
) -> None:
    result = run_cli("generate", "--lang", "python", "--repo", str(EXAMPLES),
                     "--out", str(tmp_path))  # fmt: skip
    assert result.code == 0, result.err
    (tmp_path / "good.py").write_text(PY_GOOD)
    for name, call in PY_BAD.items():
        (tmp_path / name).write_text(PY_PRELUDE + call + "\n")
    errors = check_py(tmp_path, "segment.py", "shop.py", "good.py", *PY_BAD)
    assert set(errors) == set(PY_BAD), errors
    assert 'Missing key "session_id"' in "".join(errors["missing.py"])
    assert "Literal['android']" in "".join(errors["enum.py"])
    assert 'Extra key "sesion_id"' in "".join(errors["typo.py"])
    for lines in errors.values():
        assert all(":4:" in line for line in lines)  # the call's line


def test_a_2000_event_plan_compiles_in_both_languages(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    repo = write_files(tmp_path / "registry", synthetic_registry(2000, 12))  # type: ignore[arg-type]
    out = tmp_path / "out"
    for lang in ("typescript", "python"):
        result = run_cli("generate", "--lang", lang, "--repo", str(repo), "--out", str(out))
        assert result.code == 0, result.err
    assert "trackThing1999Viewed(" in (out / "big.ts").read_text()
    assert "def track_thing_1999_viewed(" in (out / "big.py").read_text()
    assert compile_ts(tsc_path, out, "big.ts") == {}
    assert check_py(out, "big.py") == {}


def _bundle(repo: Path, plan: str) -> dict[str, Any]:
    """The schema bundle a release of `plan` carries (`<plan>-<version>.schema.json`)."""
    from registry.load.loader import load_registry
    from registry.load.snapshot import FolderSnapshot
    from registry.release.artifacts import schema_bundle

    return schema_bundle(load_registry(FolderSnapshot(repo)).registry.plans[plan], "0")


def _calls(bundle: dict[str, Any]) -> dict[str, Any]:
    return {name: conforming(schema) for name, schema in bundle["$defs"]["events"].items()}


def _assert_valid(bundle: dict[str, Any], sent: list[dict[str, Any]], events: int) -> None:
    validator = jsonschema.Draft202012Validator(bundle)
    assert len(sent) == events
    for call in sent:
        errors = [e.message for e in validator.iter_errors(call)]
        assert errors == [], (call["event"], errors)


def test_python_calls_send_payloads_the_release_schema_accepts(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = write_files(tmp_path / "registry", synthetic_registry(200, 8))  # type: ignore[arg-type]
    assert run_cli("generate", "--lang", "python", "--repo", str(repo),
                   "--out", str(tmp_path / "out")).code == 0  # fmt: skip
    module = load_module(tmp_path / "out" / "big.py")
    bundle = _bundle(repo, "big")

    class Sink:
        def __init__(self) -> None:
            self.sent: list[dict[str, Any]] = []

        def track(self, event: str, properties: dict[str, Any]) -> None:
            self.sent.append({"event": event, "properties": properties})

    sink, violations = Sink(), []
    tracker = module.Tracker(sink, on_violation=violations.append)
    for event, properties in _calls(bundle).items():
        getattr(tracker, module.EVENTS[event])(properties)
    _assert_valid(bundle, sink.sent, 200)
    assert violations == []  # the run-time check agrees with the schema
    # A wrong call is reported, never raised, and still sent.
    tracker.track_thing_0_viewed({"prop_0": "tvos", "prop_1": -1})
    assert [(v.path, v.message) for v in violations] == [
        ("/prop_0", "'tvos' is not one of ['web', 'ios', 'android']"),
        ("/prop_1", "below the minimum 0"),
    ]
    assert sink.sent[-1]["properties"] == {"prop_0": "tvos", "prop_1": -1}
    quiet = module.Tracker(sink, validate=False, on_violation=violations.append)
    quiet.track_thing_0_viewed({"prop_0": "tvos", "prop_1": -1})
    assert len(violations) == 2
    broken = module.Tracker(sink, on_violation=lambda v: 1 / 0)  # a callback that raises
    broken.track_thing_0_viewed({"prop_0": "tvos", "prop_1": -1})  # does not raise


TS_DRIVER = """import { createTracker, EVENTS } from "./big";
import * as fs from "fs";
declare const process: { argv: string[] };
const sent: Array<{ event: string; properties: Record<string, unknown> }> = [];
const violations: string[] = [];
const tracker = createTracker({ track: (event, properties) => { sent.push({ event, properties }); } },
                              { onViolation: (v) => violations.push(`${v.path} ${v.message}`) });
const calls: Record<string, unknown> = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const [event, properties] of Object.entries(calls)) {
  const method = (tracker as unknown as Record<string, (p: unknown) => void>)[EVENTS[event]];
  method.call(tracker, properties);
}
const before = violations.length;
tracker.trackThing0Viewed({ prop_0: "tvos" as "web", prop_1: -1 });
console.log(JSON.stringify({ sent, violations, before }));
"""


def test_typescript_calls_send_payloads_the_release_schema_accepts(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    repo = write_files(tmp_path / "registry", synthetic_registry(200, 8))  # type: ignore[arg-type]
    out = tmp_path / "out"
    assert run_cli("generate", "--lang", "typescript", "--repo", str(repo),
                   "--out", str(out)).code == 0  # fmt: skip
    bundle = _bundle(repo, "big")
    (out / "calls.json").write_text(json.dumps(_calls(bundle)))
    (out / "driver.ts").write_text(TS_DRIVER)
    (out / "fs.d.ts").write_text('declare module "fs" { export function readFileSync('
                                 "path: string, encoding: string): string; }\n")  # fmt: skip
    built = subprocess.run(
        [tsc_path, "--strict", "--target", "es2020", "--module", "commonjs", "--outDir", "js",
         "driver.ts", "big.ts", "fs.d.ts"], cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout
    ran = subprocess.run(["node", "js/driver.js", "calls.json"], cwd=out, capture_output=True,
                         text=True, check=True)  # fmt: skip
    result = json.loads(ran.stdout)
    assert result["before"] == 0  # conforming calls: no violations
    _assert_valid(bundle, result["sent"][:200], 200)
    assert result["violations"] == [
        '/prop_0 "tvos" is not one of ["web","ios","android"]',
        "/prop_1 below the minimum 0",
    ]


PROTOTYPE_NAMES = """\
plan: {id: hp}
events:
  __proto__: {additional_properties: false, properties: {total: {type: number, required: true}}}
  Order Completed:
    additional_properties: false
    properties: {constructor: {type: string, required: true}}
"""


def test_typescript_checks_own_keys_whatever_object_prototype_holds(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    """`constructor` and `toString` are in every JavaScript object's prototype, and
    `"__proto__": ...` in a literal sets the prototype: none of them may stand in for a key
    the call lacks, or hide an unplanned one, or lose an event."""
    repo = nasty_registry(tmp_path / "repo")
    write_files(repo, {"plans/nasty/plan.yaml": "plan: {id: nasty}\nevents: {}\n",
                       "plans/hp/plan.yaml": PROTOTYPE_NAMES})  # fmt: skip
    out = tmp_path / "out"
    done = run_cli("generate", "--lang", "typescript", "--repo", str(repo), "--plan", "hp",
                   "--out", str(out))  # fmt: skip
    assert done.code == 0, done.err
    said = violations_said(tsc_path, out, "hp", [
        "t.trackOrderCompleted({} as never);",
        't.trackProto({ total: "nope", toString: 1 } as never);',
        'said.push(Object.keys(EVENTS).join(","));',
    ], imports="createTracker, EVENTS")  # fmt: skip
    assert said == ["/constructor required, missing", "/total expected number, got string",
                    "/toString not in the plan", "Order Completed,__proto__"], said  # fmt: skip


def _released_examples(tmp_path: Path, run_cli: Cli) -> Path:
    """A git copy of examples/acme with its plans released (shop/v1.0.0, segment/v1.0.0)."""
    import shutil

    from tests.test_snapshot import git

    repo = tmp_path / "plans-repo"
    shutil.copytree(EXAMPLES, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plans")
    assert run_cli("release", "--repo", str(repo)).code == 0
    return repo


def test_generate_from_the_lock_is_stamped_deterministic_and_checked(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _released_examples(tmp_path, run_cli)
    app = tmp_path / "app"
    app.mkdir()
    monkeypatch.chdir(app)
    assert run_cli("pull", "shop@^1", "--from", str(repo)).code == 0
    lock = json.loads((app / "trackplan.lock").read_text())
    digest = lock["plans"]["shop"]["artifacts"]["shop-1.0.0.schema.json"]
    result = run_cli("generate", "--lang", "typescript", "--plan", "shop@^1", "--out", "src")
    assert result.code == 0, result.err
    assert result.out == "wrote src/shop.ts: plan shop 1.0.0, 12 events\n"
    code = (app / "src" / "shop.ts").read_bytes()
    assert f"// Plan shop 1.0.0, from shop-1.0.0.schema.json (sha256 {digest}).".encode() in code
    assert f'export const PLAN_SHA256 = "{digest}";'.encode() in code
    # Same input, same bytes; --check agrees, then catches a hand edit.
    assert run_cli("generate", "--lang", "typescript", "--out", "src").code == 0
    assert (app / "src" / "shop.ts").read_bytes() == code
    check = run_cli("generate", "--lang", "typescript", "--out", "src", "--check")
    assert (check.code, check.out) == (0, "1 file up to date\n")
    (app / "src" / "shop.ts").write_bytes(code.replace(b"trackCartViewed(", b"trackCart("))
    check = run_cli("generate", "--lang", "typescript", "--out", "src", "--check")
    assert check.code == 1
    assert check.out.startswith("src/shop.ts: differs from the generated code (2 lines)\n")
    assert "-  trackCart(properties" in check.out and "+  trackCartViewed(properties" in check.out
    assert (app / "src" / "shop.ts").read_bytes() != code  # --check writes nothing
    github = run_cli(
        "generate", "--lang", "typescript", "--out", "src", "--check", "--format", "github"
    )
    assert (github.code, github.out) == (
        1,
        "::error file=src/shop.ts::differs from the generated code (2 lines): run trackplan generate\n",
    )
    # The locked version must satisfy the range asked for; the artifacts their checksums.
    wrong = run_cli("generate", "--lang", "python", "--plan", "shop@^2", "--out", "src")
    assert wrong.code == 2
    assert "locks shop 1.0.0, which does not satisfy '^2'" in wrong.err
    schema = app / "trackplan-plans" / "shop" / "shop-1.0.0.schema.json"
    schema.write_bytes(schema.read_bytes().replace(b'"cart_id"', b'"cart"'))
    tampered = run_cli("generate", "--lang", "python", "--out", "src")
    assert tampered.code == 2
    assert "differs from trackplan.lock" in tampered.err and not (app / "src" / "shop.py").exists()


NASTY = """plan:
  id: nasty
events:
  Signed Up: {properties: {type: {type: string, required: true}, class: {type: integer}}}
  signed_up: {properties: {"Product ID": {type: string}, "$price": {type: number}}}
  Signed-Up: {properties: {"a.b": {type: boolean}, "*/": {type: string}}}
  "🎉": {description: "Party */ time", properties: {"🎊": {type: string}}}
  "🎈": {description: "Floats.\\n@deprecated {@link Tracker} @internal\\n\\nDeprecated: by a description"}
  1 Click Buy: {properties: {"1st": {type: string, enum: ["it's", 'say "hi"', "\\\\"]}}}
  class: {properties: {def: {type: [string, "null"]}, return: {type: array, items: {type: object, properties: {x: {type: integer}}}}}}
  Ünïcode Ëvent: {properties: {naïve: {type: string}}}
  Tracker: {}
  identify: {}
"""


def test_any_names_the_plan_allows_give_valid_unique_identifiers(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    repo = nasty_registry(tmp_path / "registry")
    assert run_cli("validate", "--repo", str(repo)).code == 0
    out = tmp_path / "out"
    outputs = []
    for lang in ("typescript", "python", "typescript"):
        result = run_cli("generate", "--lang", lang, "--repo", str(repo), "--out", str(out))
        assert result.code == 0, result.err
        outputs.append(result.err)
    first = (out / "nasty.ts").read_text()
    assert outputs[0] == outputs[2]  # collisions reported the same way each time
    assert ("trackplan: warning: plan 'nasty': names that all become SignedUp are told apart: "
            "'Signed Up' -> SignedUp, 'Signed-Up' -> SignedUp_0a0bdf, 'signed_up' -> "
            "SignedUp_a31c54\n") in outputs[0]  # fmt: skip
    assert compile_ts(tsc_path, out, "nasty.ts") == {}
    # A description's `@deprecated`, `@internal` or `{@link}` is text, not a JSDoc tag.
    assert " * &#64;deprecated {&#64;link Tracker} &#64;internal\n" in first
    assert not re.search(r"^\s*\* @", first, re.M)
    assert check_py(out, "nasty.py") == {}
    module = load_module(out / "nasty.py")
    methods = module.EVENTS
    assert len(set(methods.values())) == len(methods) == 10
    assert methods["Signed Up"] == "track_signed_up"
    assert methods["1 Click Buy"] == "track_event_1_click_buy"
    assert methods["Signed-Up"] == "track_signed_up_0a0bdf"
    assert all(re.fullmatch(r"track_[a-z0-9_]+", m) for m in methods.values())
    sent: list[tuple[str, dict[str, Any]]] = []
    sink = type("Sink", (), {"track": lambda self, e, p: sent.append((e, p))})()
    getattr(module.Tracker(sink), methods["🎉"])({"🎊": "yes"})
    assert sent == [("🎉", {"🎊": "yes"})]
    assert "Party *\\/ time" in first  # a name or text cannot end the doc comment


def test_bad_input_exits_2_and_writes_nothing(run_cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    cases = {
        ("--lang", "cobol", "--repo", str(EXAMPLES), "--out", str(tmp_path / "a")):
            "argument --lang: invalid choice: 'cobol'",
        ("--lang", "python", "--repo", str(EXAMPLES), "--plan", "web", "--out",
         str(tmp_path / "a")): f"{EXAMPLES} has no plan 'web' (plans: segment, shop)",
        ("--lang", "python", "--repo", str(EXAMPLES), "--out", str(blocker / "src")):
            f"{blocker / 'src'}: cannot write the generated code there",
        ("--lang", "python", "--lock", str(tmp_path / "none.lock"), "--out",
         str(tmp_path / "a")): f"{tmp_path / 'none.lock'}: no lock file. Run `trackplan pull",
        ("--lang", "python", "--repo", str(tmp_path), "--out", str(tmp_path / "a")):
            "not a trackplan registry",
    }  # fmt: skip
    for args, message in cases.items():
        result = run_cli("generate", *args)
        assert result.code == 2, args
        assert message in result.err, (message, result.err)
        assert "Traceback" not in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing half-written


def test_a_plan_with_validation_errors_is_not_generated(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "registry", {
        "plans/web/plan.yaml": "plan: {id: web}\nevents:\n  Signed Up: {properties: {a: {type: strng}}}\n",
    })  # fmt: skip
    result = run_cli(
        "generate", "--lang", "python", "--repo", str(repo), "--out", str(tmp_path / "o")
    )
    assert result.code == 1
    assert result.out.startswith("plans/web/plan.yaml:3:")
    assert "fix the plan before generating code from it" in result.err
    assert not (tmp_path / "o").exists()


SHAPES_PLAN = """plan: {id: web}
events:
  Order Completed:
    properties:
      order:
        type: object
        required: true
        properties:
          id: {type: string, required: true}
      meta: {type: object, properties: {}}
      context: {type: object}
      box:
        type: object
        additional_properties: false
        properties:
          id: {type: string}
"""


def test_generated_objects_are_as_open_as_the_plan(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    """A nested object the plan leaves open takes other keys, and an object that lists no
    property takes any: the calls `trackplan check` accepts compile (`properties: {}` was
    `Record<string, never>` and a closed TypedDict)."""
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": SHAPES_PLAN})
    for lang in ("typescript", "python"):
        done = run_cli("generate", "--lang", lang, "--repo", str(repo), "--out", str(tmp_path))
        assert done.code == 0, done.err
    (tmp_path / "calls.ts").write_text(
        'import { createTracker } from "./web";\nconst t = createTracker({ track() {} });\n'
        't.trackOrderCompleted({ order: { id: "o1", channel: "web" }, meta: { a: 1 }, '
        "context: { b: true } });\n"
    )
    (tmp_path / "wrong.ts").write_text(
        'import { createTracker } from "./web";\nconst t = createTracker({ track() {} });\n'
        "t.trackOrderCompleted({ order: { id: 1 } });\n"
    )
    (tmp_path / "closed.ts").write_text(
        'import { createTracker } from "./web";\nconst t = createTracker({ track() {} });\n'
        't.trackOrderCompleted({ order: { id: "o1" }, box: { id: "b", other: 1 } });\n'
    )
    errors = compile_ts(tsc_path, tmp_path, "web.ts", "calls.ts", "wrong.ts", "closed.ts")
    assert set(errors) == {"wrong.ts", "closed.ts"}, errors  # types hold, closed stays closed
    assert "'other' does not exist" in errors["closed.ts"][0]
    (tmp_path / "calls.py").write_text(
        "from typing import Any, cast\nfrom web import Tracker\n"
        "t = Tracker(cast(Any, None))\n"
        't.track_order_completed({"order": {"id": "o1"}, "meta": {"a": 1}, "context": {"b": True}})\n'
    )
    assert check_py(tmp_path, "web.py", "calls.py") == {}


# Every property shape the importers write, each on an event of its own, and calls that
# `trackplan check` accepts or rejects: the generated TypeScript must agree on each call.
SHAPES = {
    "Alpha": "{type: string, enum: [web, ios]}",
    "Bravo": "{type: integer, minimum: 0}",
    "Charlie": "{type: [string, 'null']}",
    "Delta": "{type: array, items: {type: string}}",
    "Echo": "{type: array, items: {type: object, properties: {id: {type: string, required: true}}}}",
    "Foxtrot": "{type: object, properties: {id: {type: string, required: true}, n: {type: integer}}}",
    "Golf": "{type: object, additional_properties: false, properties: {id: {type: string}}}",
    "Hotel": "{type: object, properties: {}}",
    "India": "{type: object}",
    "Juliet": "{const: fixed}",
    "Kilo": "{anyOf: [{type: string}, {type: boolean}]}",
}
CASES = [  # (event, value of its property `p`)
    ("Alpha", "web"), ("Alpha", "tv"), ("Alpha", 1),
    ("Bravo", 3), ("Bravo", "3"),
    ("Charlie", None), ("Charlie", "x"), ("Charlie", 1),
    ("Delta", ["a"]), ("Delta", [1]),
    ("Echo", [{"id": "a"}]), ("Echo", [{"id": "a", "extra": 1}]), ("Echo", [{}]),
    ("Foxtrot", {"id": "a"}), ("Foxtrot", {"id": "a", "extra": True}), ("Foxtrot", {"n": 1}),
    ("Golf", {"id": "a"}), ("Golf", {"id": "a", "extra": 1}),
    ("Hotel", {"any": 1}), ("India", {"any": [1]}),
    ("Juliet", "fixed"), ("Juliet", "other"),
    ("Kilo", "x"), ("Kilo", False), ("Kilo", 1),
]  # fmt: skip


def _shape_cases(run_cli: Cli, tmp_path: Path, lang: str) -> tuple[Path, set[int]]:
    """The shapes plan generated in `lang` under tmp_path/out, and the indexes of CASES
    that `trackplan check` rejects."""
    import registry

    plan = "plan: {id: shapes}\nevents:\n" + "".join(
        f"  {name} Viewed:\n    properties:\n      p: {spec}\n" for name, spec in SHAPES.items()
    )
    repo = write_files(tmp_path / "repo", {"plans/shapes/plan.yaml": plan})
    out = tmp_path / "out"
    done = run_cli("generate", "--lang", lang, "--repo", str(repo), "--out", str(out))
    assert done.code == 0, done.err
    loaded = registry.load_registry(registry.FolderSnapshot(repo)).registry.plans["shapes"]
    document = registry.plan_document(loaded, "1.0.0")
    bundle = registry.schema_bundle(loaded, "1.0.0")
    rejected = set()
    for index, (event, value) in enumerate(CASES):
        call = {"type": "track", "event": f"{event} Viewed", "properties": {"p": value}}
        if registry.check_calls(document, bundle, [call]).to_dict()["violations"]:
            rejected.add(index)
    assert 0 < len(rejected) < len(CASES)  # both answers occur
    return out, rejected


def test_typescript_accepts_exactly_the_calls_trackplan_check_accepts(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    out, rejected = _shape_cases(run_cli, tmp_path, "typescript")
    files = []
    for index, (event, value) in enumerate(CASES):
        (out / f"case{index}.ts").write_text(
            'import { createTracker } from "./shapes";\n'
            "const t = createTracker({ track() {} });\n"
            f"t.track{event}Viewed({{ p: {json.dumps(value)} }});\n"
        )
        files.append(f"case{index}.ts")
    errors = compile_ts(tsc_path, out, "shapes.ts", *files)
    assert set(errors) == {f"case{i}.ts" for i in rejected}


def test_python_accepts_the_calls_trackplan_check_accepts_but_extra_nested_keys(
    run_cli: Cli, tmp_path: Path
) -> None:
    """mypy agrees with `trackplan check` on every case but one kind: a key a nested open
    object does not list (mypy has no open TypedDict, PEP 728), which mypy refuses."""
    out, rejected = _shape_cases(run_cli, tmp_path, "python")
    files = []
    for index, (event, value) in enumerate(CASES):
        snake = event.lower()
        (out / f"case{index}.py").write_text(
            "from typing import Any, cast\nfrom shapes import Tracker\n"
            "t = Tracker(cast(Any, None))\n"
            f"t.track_{snake}_viewed({{'p': {value!r}}})\n"
        )
        files.append(f"case{index}.py")
    errors = check_py(out, "shapes.py", *files)
    stricter = {i for i, (event, value) in enumerate(CASES) if event in ("Echo", "Foxtrot")
                and "extra" in json.dumps(value)}  # fmt: skip
    assert set(errors) == {f"case{i}.py" for i in rejected | stricter}


COMBINED = """plan: {id: web}
events:
  Item Viewed:
    properties:
      ref:
        required: true
        anyOf: [{type: string, pattern: '^sku-'}, {type: integer, minimum: 1}]
      mode:
        oneOf: [{type: string, enum: [a, b]}, {type: string, enum: [b, c]}]
"""
COMBINED_SAID = [
    "/ref matches 0 of its anyOf definitions, not at least one",
    "/mode matches 2 of its oneOf definitions, not exactly one",
]


def test_generated_runtime_checks_read_any_of_and_one_of(
    run_cli: Cli, tmp_path: Path, tsc_path: str
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": COMBINED})
    for lang in ("python", "typescript"):
        assert run_cli("generate", "--lang", lang, "--repo", str(repo), "--out",
                       str(tmp_path)).code == 0  # fmt: skip
    generated = load_module(tmp_path / "web.py")
    said: list[str] = []
    tracker = generated.Tracker(type("Sink", (), {"track": lambda *a: None})(),
                                on_violation=lambda v: said.append(f"{v.path} {v.message}"))  # fmt: skip
    tracker.track_item_viewed({"ref": "sku-1", "mode": "a"})
    tracker.track_item_viewed({"ref": 0, "mode": "b"})
    assert said == COMBINED_SAID
    calls = [
        't.trackItemViewed({ ref: "sku-1", mode: "a" });',
        't.trackItemViewed({ ref: 0, mode: "b" });',
    ]
    assert violations_said(tsc_path, tmp_path, "web", calls) == COMBINED_SAID
