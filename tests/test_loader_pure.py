"""The loader without ruamel.yaml.clib (PyPy, platforms with no wheel) finds the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registry.lint.rules import RULES, example_files
from registry.load import cache
from tests.conftest import write_files

ROOT = Path(__file__).resolve().parent.parent

# Runs the CLI's validation over folders with the C extension made unimportable.
SCRIPT = r"""
import json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("_ruamel_yaml", "_ruamel_yaml_clibz"):
            raise ImportError("the C extension is blocked for this test")
sys.meta_path.insert(0, Block())
from registry.load import yamlparser
assert type(yamlparser.parser(b"a: 1")).__name__ == "_PureParser", "C parser still in use"
from registry.lint.validate import validate
from registry.load.snapshot import FolderSnapshot
out = {}
for folder in sys.argv[1:]:
    result = validate(FolderSnapshot(folder), parse=None)
    out[folder] = [f.to_dict() for f in result.findings]
print(json.dumps(out))
"""

HOSTILE = {
    "alias bomb": {
        "plans/web/plan.yaml": "plan:\n  id: web\nx: &a [1, 1]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    },
    "deep nesting": {"plans/web/plan.yaml": "plan:\n  id: web\nx: " + "[" * 500 + "]" * 500},
    "python tag": {
        "plans/web/plan.yaml": "plan:\n  id: web\nx: !!python/object/apply:os.system [echo]\n"
    },
    "bad utf-8": {"plans/web/plan.yaml": "plan:\n  id: web\n" + "x: \udcff\n"},
    "tabs": {"plans/web/plan.yaml": "plan:\n\tid: web\n"},
    "unclosed": {"plans/web/plan.yaml": "plan:\n  id: web\nevents: {A: [\n"},
}


def test_the_pure_python_parser_finds_what_the_c_parser_finds(tmp_path: Path) -> None:
    from registry.lint.validate import validate
    from registry.load.snapshot import FolderSnapshot

    folders = []
    cases = {f"{r.id}-{kind}": files for r in RULES
             for kind, files in (("invalid", r.invalid), ("valid", r.valid))}  # fmt: skip
    cases.update(HOSTILE)
    for index, (_name, files) in enumerate(sorted(cases.items())):
        if any(len(text) > 100_000 for text in files.values()):
            continue  # the 4 MiB example: size limits do not depend on the parser
        folder = tmp_path / f"{index:03}"
        raw = {p: t.encode("utf-8", "surrogateescape") for p, t in example_files(files).items()}
        write_files(folder, dict(raw))
        folders.append(str(folder))
    pure = subprocess.run([sys.executable, "-c", SCRIPT, *folders], cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    found = json.loads(pure.stdout)
    assert len(found) == len(folders) > 60

    def key(f: dict[str, Any]) -> tuple[str, str, str, int]:
        # The parsers word syntax errors differently; the rule and the line must agree.
        return (f["rule"], f["level"], f["location"]["file"], f["location"]["line"])

    for folder in folders:
        with_c = [f.to_dict() for f in validate(FolderSnapshot(folder), parse=None).findings]
        assert [key(f) for f in found[folder]] == [key(f) for f in with_c], folder


def test_parsing_in_worker_processes_gives_what_parsing_in_turn_gives(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from registry.load import cache
    from registry.load.cache import ParseCache
    from registry.load.loader import load_registry
    from registry.load.snapshot import FolderSnapshot

    files = {"trackplan.yaml": "conventions: {forbid_dynamic_names: false}\n",
             "plans/web/plan.yaml": "plan:\n  id: web\nevents:\n  A Viewed: {}\n",
             "plans/web/events/b.yaml": "events:\n  B Viewed:\n    properties:\n"
                                        "      x: {type: string, required: yes}\n",
             "plans/web/events/broken.yaml": "#" + "-" * 500 + "\nevents:\n  C Viewed: [\n",
             "plans/app/plan.yaml": "plan:\n  id: app\nevents:\n  D Viewed:\n"
                                    "    owners: 3\n"}  # fmt: skip
    # More files than the workers keep in flight (4 each), of many sizes: the broken one is
    # parsed in the middle of them.
    files.update({f"plans/web/events/e{i:02}.yaml": "events:\n" + "".join(
        f"  E{i} Step {j}:\n    properties: {{n{j}: {{type: integer}}}}\n" for j in range(i))
        for i in range(1, 25)})  # fmt: skip
    registry = write_files(tmp_path / "r", files)
    monkeypatch.setattr(cache, "PARALLEL_BYTES", 0)  # small files: in workers all the same
    snapshot = FolderSnapshot(registry)
    one = load_registry(snapshot, parse=ParseCache(None))
    parallel = ParseCache(tmp_path / "cache", workers=2)
    several = load_registry(snapshot, parse=parallel)
    assert parallel.misses == 1  # only the file that does not parse was parsed again, to say why
    assert [f.message for f in several.findings] == [f.message for f in one.findings]
    assert any(f.location.file.endswith("broken.yaml") for f in several.findings)
    assert {p: (d.data, d.positions, d.valid) for p, d in several.registry.documents.items()} == {
        p: (d.data, d.positions, d.valid) for p, d in one.registry.documents.items()}  # fmt: skip
    assert len(several.registry.plans["web"].events) == 2 + sum(range(1, 25))
    again = ParseCache(tmp_path / "cache", workers=2)
    load_registry(snapshot, parse=again)
    assert again.misses == 1 and again.hits == 28  # the workers' parses were kept on disk


def test_positions_follow_the_data_in_large_and_odd_documents(tmp_path: Path) -> None:
    from registry.load.cache import ParseCache
    from registry.load.yamlsafe import Limits, YamlError, load_yaml

    text = "".join(f"k{i}: {{a: 1, b: [x, y]}}\n" for i in range(200))  # a map past 64 keys
    doc = load_yaml(text.encode())
    assert [doc.position((f"k{i}",)) for i in (0, 150, 199)] == [(1, 1), (151, 1), (200, 1)]
    assert doc.position(("k150", "b", 1)) == (151, 21)
    assert doc.position(("k150", "zz", 3)) == (151, 1)  # nearest ancestor
    assert ("k150", "b", 1) in doc.positions and ("k150", "b", 2) not in doc.positions
    assert "k1" not in doc.positions  # a path is a tuple, never a string's characters
    assert len(doc.positions) == 200 * 5
    cache = ParseCache(tmp_path / "c")
    cache("plans/web/x.yaml", text.encode())
    again = ParseCache(tmp_path / "c")("plans/web/x.yaml", text.encode())  # read back
    assert again.positions == doc.positions and again.position(("k199", "a")) == (200, 8)
    repeated = load_yaml(b"a: {x: 1}\nb: 2\na: {y: 3}\n", Limits(last_key_wins=True))
    assert repeated.data == {"a": {"y": 3}, "b": 2}
    assert repeated.position(("a", "y")) == (3, 5) and ("a", "x") not in repeated.positions
    assert repeated.repeated == [(("a",), 1, 3)]
    replaced = load_yaml(b"a: {x: {y: 1}}\nb: []\nc: {}\na: 5\nd: [{}, [1]]\n",
                         Limits(last_key_wins=True))  # fmt: skip
    assert replaced.data == {"a": 5, "b": [], "c": {}, "d": [{}, [1]]}
    assert dict(replaced.positions.items()) == {
        ("a",): (4, 1), ("b",): (2, 1), ("c",): (3, 1), ("d",): (5, 1), ("d", 0): (5, 5),
        ("d", 1): (5, 9), ("d", 1, 0): (5, 10)}  # fmt: skip
    assert replaced.position(("a", "x", "y")) == (4, 1)  # the nested place went with the value
    # Short texts are one object however often written (a large plan's keys, types, names),
    # and stay so when read back from the cache.
    blob = b"- {name: signup_flow, type: string}\n- {name: signup_flow, type: string}\n"
    shared = load_yaml(blob)
    first, second = shared.data
    assert first["name"] is second["name"] and list(first)[1] is list(second)[1]
    ParseCache(tmp_path / "i")("plans/web/x.yaml", blob)
    back = ParseCache(tmp_path / "i")("plans/web/x.yaml", blob)
    assert back.data[1]["name"] is first["name"] and back.data[0]["type"] is second["type"]
    # An alias costs every node it repeats, keys included: {x: 1, y: 2} is 5 nodes, so the
    # third copy passes a limit of 10.
    with pytest.raises(YamlError) as raised:
        load_yaml(b"b: &b {x: 1, y: 2}\nc: [*b, *b, *b]\n", Limits(max_alias_nodes=10))
    assert (raised.value.rule, raised.value.line, raised.value.column) == \
        ("yaml-alias-limit", 2, 13)  # fmt: skip
    assert load_yaml(b"b: &b {x: 1, y: 2}\nc: [*b, *b]\n", Limits(max_alias_nodes=10)).data
    merged = load_yaml(b"base: &b {p: 1}\nm:\n  <<: *b\n  q: 2\n")
    assert merged.data["m"] == {"q": 2, "p": 1} and merged.position(("m", "q")) == (4, 3)
    assert ("m", "p") not in merged.positions and merged.position(("m", "p")) == (2, 1)


def test_a_cache_entry_of_another_shape_is_parsed_again(tmp_path: Path) -> None:
    import marshal

    from registry.load.cache import ParseCache

    text = b"plan:\n  id: web\nevents:\n  A Viewed: {}\n"
    first = ParseCache(tmp_path / "c")
    first("plans/web/plan.yaml", text)
    (entry,) = [p for p in (tmp_path / "c").rglob("*") if p.is_file()]
    data, _, valid = marshal.loads(entry.read_bytes())
    for older in ({"plan": (65537, {})}, ((65537, (65539,)), 196609)):  # formats 2 and 4
        entry.write_bytes(marshal.dumps((data, older, valid)))
        again = ParseCache(tmp_path / "c")
        doc = again("plans/web/plan.yaml", text)
        assert again.misses == 1 and doc.position(("events", "A Viewed")) == (4, 3)


def test_a_diff_parsed_in_worker_processes_reports_what_one_parsed_in_turn_reports(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from registry.diff.compare import compare
    from registry.load.cache import ParseCache
    from registry.load.snapshot import FolderSnapshot

    files = {"plans/web/plan.yaml": "plan:\n  id: web\n  owners: ['@acme/web']\n",
             "plans/web/events/a.yaml": "events:\n  A Viewed:\n    properties:\n"
                                        "      x: {type: string}\n      y: {type: integer}\n",
             "plans/app/plan.yaml": "plan:\n  id: app\n  owners: ['@acme/app']\n",
             "plans/app/events/b.yaml": "events:\n  B Viewed: {}\n"}  # fmt: skip
    base = write_files(tmp_path / "base", files)
    head = write_files(tmp_path / "head", {
        **files,
        "plans/web/events/a.yaml": "events:\n  A Viewed:\n    properties:\n"
                                   "      x: {type: integer}\n",  # y removed, x retyped
        "plans/app/events/b.yaml": "events:\n  B Viewed: [\n",
        "plans/app/events/d.yaml": "events: [\n"})  # fmt: skip
    monkeypatch.setattr(cache, "PARALLEL_BYTES", 0)  # small files: in workers all the same
    monkeypatch.setattr(cache, "_parse_blob", _counted_parse)
    monkeypatch.setenv("PARSED_LOG", str(tmp_path / "parsed.log"))

    def report(parse: ParseCache) -> Any:
        found = compare(FolderSnapshot(base), FolderSnapshot(head), parse=parse)
        return ([(c.rule, c.message) for c in found.changes],
                [(f.rule, f.location.file, f.location.line) for f in found.head_findings],
                found.unreadable)  # fmt: skip

    parallel = ParseCache(None, workers=2)
    assert report(parallel) == report(ParseCache(None))
    # Both sides' 7 distinct files in the workers once; HEAD's 2 broken ones parsed again
    # only in turn, to say why, not sent to the workers again by HEAD's own load.
    parsed = sorted((tmp_path / "parsed.log").read_text().split())
    changed = ["plans/web/events/a.yaml", "plans/app/events/b.yaml", "plans/app/events/d.yaml"]
    assert parsed == sorted([*files, *changed]), parsed
    assert parallel.misses == 2
    changes, _, unreadable = report(parallel)
    assert unreadable == ["app"] and len(changes) == 2  # web's changes, app left out


def test_a_diff_in_worker_processes_keeps_one_copy_of_what_both_sides_write_alike(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from registry.diff.compare import compare
    from registry.load.cache import ParseCache
    from registry.load.snapshot import FolderSnapshot

    def events(reordered: bool) -> str:
        deep = ("        y: {description: e, type: integer}\n" if reordered
                else "        y: {type: integer, description: e}\n")  # fmt: skip
        return ("events:\n"
                "  Same:\n    properties:\n      x: {type: string, description: d}\n"
                "  Deep:\n    properties:\n" + deep +
                "  Changed:\n    properties:\n"
                f"      z: {{type: {'integer' if reordered else 'string'}}}\n"
                # equal to Python, written otherwise: 1 and 1.0, 0.0 and -0.0
                "  Typed:\n    properties:\n"
                f"      n: {{type: number, minimum: {'1.0' if reordered else '1'}}}\n"
                "  Retyped:\n    properties:\n"  # the other way round: either side may
                f"      n: {{type: number, minimum: {'2' if reordered else '2.0'}}}\n"  # be first
                "  Signed:\n    properties:\n"
                f"      m: {{type: number, maximum: {'-0.0' if reordered else '0.0'}}}\n"
                )  # fmt: skip

    plan = "plan:\n  id: web\n  owners: ['@acme/web']\n"
    base = write_files(
        tmp_path / "base", {"plans/web/plan.yaml": plan, "plans/web/events/a.yaml": events(False)}
    )
    # HEAD: two lines more above the events, Deep's keys in another order, Changed retyped.
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": plan,
                                           "plans/web/events/a.yaml": "# one\n# two\n"
                                           + events(True)})  # fmt: skip
    monkeypatch.setattr(cache, "PARALLEL_BYTES", 0)  # small files: in workers all the same

    def report(parse: ParseCache) -> Any:
        return compare(FolderSnapshot(base), FolderSnapshot(head), parse=parse)

    shared, alone = report(ParseCache(None, workers=2)), report(ParseCache(None))
    assert [(c.rule, c.message, c.location) for c in shared.changes] == \
        [(c.rule, c.message, c.location) for c in alone.changes]  # fmt: skip
    assert [c.rule for c in shared.changes] == ["property-type-changed"]
    old, new = shared.base.plans["web"].events, shared.head.plans["web"].events
    assert new["Same"].spec is old["Same"].spec  # equal, keys in the same order: one copy
    assert new["Deep"].spec == old["Deep"].spec and new["Deep"].spec is not old["Deep"].spec
    assert new["Changed"].spec is not old["Changed"].spec
    for name in ("Typed", "Retyped", "Signed"):
        assert new[name].spec == old[name].spec and new[name].spec is not old[name].spec
    written = (new["Typed"].spec["properties"]["n"]["minimum"],
               new["Signed"].spec["properties"]["m"]["maximum"])  # fmt: skip
    assert repr(written) == "(1.0, -0.0)"  # as HEAD wrote them
    # Each side's places are its own, the shared event's and the reordered one's included.
    file = "plans/web/events/a.yaml"
    for path, base_at, head_at in (
        (("events", "Same", "properties", "x", "description"), (4, 25), (6, 25)),
        (("events", "Deep", "properties", "y", "description"), (7, 29), (9, 13)),
    ):
        assert shared.base.locate(file, path).line == base_at[0]
        assert (shared.head.locate(file, path).line, shared.head.locate(file, path).column) \
            == head_at  # fmt: skip


def _counted_parse(job: tuple[str, bytes, Any]) -> Any:
    """The workers' parse, each file logged (a line per parse, in the worker process)."""
    import os

    with open(os.environ["PARSED_LOG"], "a") as log:
        log.write(job[0] + "\n")
    return _WORKERS_PARSE(job)


_WORKERS_PARSE = cache._parse_blob  # the original, before the test puts _counted_parse there


def test_errors_at_a_key_past_the_packed_column_limit_give_its_exact_column() -> None:
    # A minified one-line export of more than 1 MB: positions are stored with the column
    # capped at 2**20 - 1, the errors about a key are not.
    from registry.load.yamlsafe import YamlError, load_yaml

    pad = b" " * (1 << 20)
    for raw, rule, column in ((b"{a: 1," + pad + b"a: 2}", "yaml-duplicate-key", 7 + (1 << 20)),
                              (b"{" + pad + b"<<: 1}", "yaml-syntax", 2 + (1 << 20))):  # fmt: skip
        with pytest.raises(YamlError) as found:
            load_yaml(raw)
        assert (found.value.rule, found.value.line, found.value.column) == (rule, 1, column)
