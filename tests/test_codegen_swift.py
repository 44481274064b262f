"""`trackplan generate --lang swift`: no Swift compiler reaches this machine, so the output is
parsed with tree-sitter-swift (CI's macOS job compiles and runs it: .github/workflows)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import tree_sitter_swift
from tree_sitter import Language, Node, Parser

from tests.codegen_kit import synthetic_registry
from tests.codegen_langs import PLAN, generated, nasty_registry
from tests.conftest import CliResult, write_files
from tests.swift_driver import write as write_driver

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "acme"
PARSER = Parser(Language(tree_sitter_swift.language()))


def _problems(source: bytes) -> list[str]:
    """Syntax errors tree-sitter finds, and comments or strings that span lines (a plan
    string that escaped its literal would)."""
    found: list[str] = []

    def walk(node: Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            found.append(f"{node.start_point}: {node.type} {node.text[:80]!r}")
        elif node.type in ("comment", "line_string_literal") and b"\n" in (node.text or b""):
            found.append(f"{node.start_point}: {node.type} spans lines")
        for child in node.children:
            walk(child)

    walk(PARSER.parse(source).root_node)
    return found


def test_every_plan_gives_swift_that_parses(run_cli: Cli, tmp_path: Path) -> None:
    big = write_files(tmp_path / "big-repo", synthetic_registry(300, 10))  # type: ignore[arg-type]
    app = write_files(tmp_path / "app-repo", {"plans/app/plan.yaml": PLAN})
    plans = ((EXAMPLES, "shop"), (EXAMPLES, "segment"), (big, "big"), (app, "app"),
             (nasty_registry(tmp_path / "nasty-repo"), "nasty"))  # fmt: skip
    for repo, plan in plans:
        source = generated(run_cli, "swift", repo, tmp_path / "out", plan)
        assert _problems(source.read_bytes()) == [], plan


def test_each_event_has_one_entry_point(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "repo", {"plans/app/plan.yaml": PLAN})
    text = generated(run_cli, "swift", app, tmp_path / "out", "app").read_text()
    methods = re.findall(r"^        public func (track\w+)\(", text, re.M)
    assert sorted(methods) == ["trackOldThingHappened", "trackOrderCompleted", "trackSignedUp"]
    listed = re.findall(r'^        "[^"]*": "(track\w+)",$', text, re.M)
    assert sorted(listed) == sorted(methods)
    assert (
        "@available(*, deprecated, message: \"Nobody reads it; use 'Signed Up' instead.\")" in text
    )
    nasty = generated(run_cli, "swift", nasty_registry(tmp_path / "n"), tmp_path / "out", "nasty")
    assert len(set(re.findall(r"^        public func (track\w+)\(", nasty.read_text(), re.M))) == 10


def test_what_ci_compiles_parses(tmp_path: Path) -> None:
    write_driver(tmp_path)
    for name in ("main.swift", "Sinks.swift", "Stubs.swift"):  # the README's sinks too
        assert _problems((tmp_path / "Sources" / name).read_bytes()) == [], name
    assert (tmp_path / "expected.txt").read_text().count("\n") > 5


@pytest.mark.parametrize("lang", ["go", "java", "kotlin", "swift", "typescript", "python"])
def test_generate_check_finds_stale_code_in_every_language(
    run_cli: Cli, tmp_path: Path, lang: str
) -> None:
    args = ("generate", "--lang", lang, "--repo", str(EXAMPLES), "--plan", "shop", "--out",
            str(tmp_path))  # fmt: skip
    assert run_cli(*args).code == 0
    assert run_cli(*args, "--check").code == 0
    (written,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    written.write_text(written.read_text().replace("Cart Viewed", "Cart Seen"))
    stale = run_cli(*args, "--check")
    assert stale.code == 1 and "differs from the generated code" in stale.out


def test_plans_that_would_write_one_file_are_refused(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {
        "plans/a-b/plan.yaml": "plan: {id: a-b}\nevents: {}\n",
        "plans/ab/plan.yaml": "plan: {id: ab}\nevents: {}\n",
    })  # fmt: skip
    done = run_cli("generate", "--lang", "go", "--repo", str(repo), "--out", str(tmp_path / "o"))
    assert done.code == 2
    assert "plans 'a-b' and 'ab' would both write ab/ab.go in go" in done.err
    assert not (tmp_path / "o").exists()
    assert run_cli("generate", "--lang", "typescript", "--repo", str(repo), "--out",
                   str(tmp_path / "o")).code == 0  # TypeScript names them apart  # fmt: skip


def test_plans_whose_files_differ_only_in_case_are_refused(run_cli: Cli, tmp_path: Path) -> None:
    """web-app and webapp: WebAppTracking.swift and WebappTracking.swift are one file on
    macOS and Windows, where Swift is built; the second would replace the first."""
    repo = write_files(tmp_path / "repo", {
        "plans/web-app/plan.yaml": "plan: {id: web-app}\nevents: {}\n",
        "plans/webapp/plan.yaml": "plan: {id: webapp}\nevents: {}\n",
    })  # fmt: skip
    done = run_cli("generate", "--lang", "swift", "--repo", str(repo), "--out", str(tmp_path / "o"))
    assert done.code == 2
    assert (
        "plans 'web-app' and 'webapp' would both write WebAppTracking.swift and "
        "WebappTracking.swift (one file on macOS and Windows) in swift"
    ) in done.err, done.err
    assert not (tmp_path / "o").exists()


JVM_NAMES = """plan: {id: x-properties}
events:
  X:
    properties:
      out: {type: string}
      put: {type: string}
      self: {type: string}
      tracking:
        type: object
        properties:
          json: {type: string}
          a: {type: integer, minimum: -9223372036854775808}
"""


def test_names_the_generated_code_uses_itself_are_left_to_it(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {"plans/x-properties/plan.yaml": JVM_NAMES})
    swift = generated(run_cli, "swift", repo, tmp_path / "s", "x-properties").read_text()
    assert "public enum XPropertiesTrackingPlan {" in swift  # not the shape XPropertiesTracking
    assert "public var out_: String?" in swift and "public var self_: String?" in swift
    assert _problems(swift.encode()) == []


def test_names_swift_would_merge_are_refused(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {
        "trackplan.yaml": "conventions: {event_name: any}\n",
        "plans/web/plan.yaml": 'plan: {id: web}\nevents:\n  "Caf\\u00e9": {}\n'
                               '  "Cafe\\u0301": {}\n',
    })  # fmt: skip
    done = run_cli("generate", "--lang", "swift", "--repo", str(repo), "--out", str(tmp_path / "o"))
    assert done.code == 2 and "are one string in Swift" in done.err, done.err
    assert not (tmp_path / "o").exists()
    assert run_cli("generate", "--lang", "kotlin", "--repo", str(repo), "--out",
                   str(tmp_path / "k")).code == 0  # other languages keep them apart  # fmt: skip
