"""`trackplan check`: real calls against a plan, every violation kind at its line."""

from __future__ import annotations

import gzip
import io
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.web.app import create_read_app
from registry.eventcheck.calls import Malformed
from registry.eventcheck.checker import Checker
from registry.eventcheck.kinds import KINDS
from tests.conftest import CliResult, write_files
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
CORPUS = Path(__file__).resolve().parent / "fixtures" / "calls" / "corpus.jsonl"
PLAN = """plan:
  id: web
identify:
  traits:
    email: {type: string, format: email, required: true}
    plan: {type: string, enum: [free, pro]}
events:
  Signed Up:
    renamed_from: [Signup]
    additional_properties: false
    properties:
      method: {type: string, enum: [email, google], required: true}
      age: {type: integer, minimum: 13}
      referrer: {type: string, pattern: '^https?://'}
      at: {type: string, format: date-time}
  Page Scrolled:
    properties:
      depth: {type: number, maximum: 100}
  Legacy Clicked:
    deprecated: {reason: The old UI., replaced_by: Button Clicked, sunset: 2027-01-31}
"""
# (kind, event, property, first lines): every kind, where the corpus commits it.
EXPECTED = {
    ("unplanned-event", "Signed In", "", (2,)),
    ("renamed-event", "Signup", "", (3,)),
    ("deprecated-event", "Legacy Clicked", "", (4,)),
    ("required-property-missing", "Signed Up", "method", (5,)),
    ("required-property-missing", "identify", "email", (15,)),
    ("datatype-mismatch", "Signed Up", "age", (6,)),
    ("enum-value-not-allowed", "Signed Up", "method", (7,)),
    ("enum-value-not-allowed", "identify", "plan", (15,)),
    ("additional-property-not-allowed", "Signed Up", "utm", (8,)),
    ("unplanned-property", "Page Scrolled", "dpth", (9,)),
    ("format-mismatch", "Signed Up", "at", (10,)),
    ("format-mismatch", "Signed Up", "referrer", (10,)),
    ("value-out-of-range", "Signed Up", "age", (11,)),
    ("value-out-of-range", "Page Scrolled", "depth", (16,)),
    ("unknown-trait", "identify", "favourite", (12,)),
}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write_files(tmp_path / "registry", {"plans/web/plan.yaml": PLAN})


def _found(report: dict[str, object]) -> set[tuple[str, str, str, tuple[object, ...]]]:
    return {(f["kind"], f["event"], f["property"], tuple(f["lines"]))  # type: ignore[index]
            for f in report["findings"]}  # type: ignore[attr-defined]  # fmt: skip


def test_every_kind_is_reported_at_its_line(run_cli: Cli, registry: Path) -> None:
    result = run_cli("check", str(CORPUS), "--repo", str(registry), "--format", "json")
    assert result.code == 1, result.err
    report = result.json()
    assert _found(report) == EXPECTED
    assert {kind for kind, *_ in EXPECTED} == {kind.id for kind in KINDS}  # none left out
    assert report["malformed"] == {"count": 1, "lines": [
        {"line": 13, "reason": "not JSON (Expecting property name enclosed in double quotes: "
                               "line 1 column 2 (char 1))"}]}  # fmt: skip
    assert (report["calls"], report["clean"], report["skipped"]) == (15, 1, {"page": 1})
    assert (report["violations"], report["warnings"]) == (13, 2)
    details = {(f["kind"], f["property"]): f["detail"] for f in report["findings"]}
    assert details[("renamed-event", "")] == (
        "renamed to 'Signed Up' in web 0.0.0-unreleased; send that name"
    )
    assert details[("deprecated-event", "")] == (
        "deprecated; The old UI; use 'Button Clicked' instead; sunset 2027-01-31"
    )
    assert details[("datatype-mismatch", "age")] == "expected integer, got string"
    assert details[("enum-value-not-allowed", "method")] == (
        '"facebook" is not one of ["email", "google"]'
    )
    assert details[("format-mismatch", "at")] == '"yesterday" is not a date-time'
    assert details[("value-out-of-range", "depth")] == "120, maximum 100"


def test_text_report_and_exit_codes(run_cli: Cli, registry: Path, tmp_path: Path) -> None:
    text = run_cli("check", str(CORPUS), "--repo", str(registry))
    assert text.code == 1
    lines = text.out.splitlines()
    assert lines[0].split() == ["KIND", "EVENT", "PROPERTY", "CALLS", "FIRST", "LINES", "DETAIL"]
    assert lines[1].startswith("unplanned-event ") and "Signed In" in lines[1]
    assert "  line 13: not JSON" in text.out
    assert lines[-1] == ("web 0.0.0-unreleased: 15 calls: 1 clean, 13 violations, 2 warnings, "
                         "1 malformed, 1 page skipped")  # fmt: skip
    assert run_cli("check", str(CORPUS), "--repo", str(registry), "--fail-on", "never").code == 0
    warned = tmp_path / "warned.jsonl"
    warned.write_text('{"event": "Legacy Clicked"}\n')
    assert run_cli("check", str(warned), "--repo", str(registry)).code == 0
    assert run_cli("check", str(warned), "--repo", str(registry), "--fail-on", "warning").code == 1
    github = run_cli("check", str(warned), "--repo", str(registry), "--format", "github").out
    assert github.startswith("::warning title=deprecated-event::Legacy Clicked: deprecated;")
    markdown = run_cli("check", str(CORPUS), "--repo", str(registry), "--format", "markdown").out
    assert (
        "| `unknown-trait` | violation | identify | favourite | 1 | 12 | not in the plan |"
        in markdown
    )


def test_arrays_gzip_stdin_and_several_files_give_the_same_findings(
    run_cli: Cli, registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [json.loads(line) for line in CORPUS.read_text().splitlines() if line != "{not json"]
    array = tmp_path / "calls.json"
    array.write_text("[\n" + ",\n".join(json.dumps(c) for c in calls) + "\n]\n")
    packed = tmp_path / "calls.log"  # gzip is recognised by its bytes, not its name
    packed.write_bytes(gzip.compress(CORPUS.read_bytes()))
    by_array = run_cli("check", str(array), "--repo", str(registry), "--format", "json").json()
    kinds = {(f["kind"], f["event"], f["property"]) for f in by_array["findings"]}
    assert kinds == {(kind, event, prop) for kind, event, prop, _ in EXPECTED}
    assert by_array["malformed"]["count"] == 0 and by_array["calls"] == 15
    by_gzip = run_cli("check", str(packed), "--repo", str(registry), "--format", "json").json()
    assert _found(by_gzip) == EXPECTED
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CORPUS.read_bytes())))
    by_stdin = run_cli("check", "-", "--repo", str(registry), "--format", "json").json()
    assert _found(by_stdin) == EXPECTED
    both = run_cli("check", str(CORPUS), str(packed), "--repo", str(registry), "--format", "json")
    unknown = next(f for f in both.json()["findings"] if f["kind"] == "unknown-trait")
    assert unknown["count"] == 2
    assert unknown["lines"] == [f"{CORPUS}:12", f"{packed}:12"]


def test_unreadable_input_and_plans_exit_2(run_cli: Cli, registry: Path, tmp_path: Path) -> None:
    missing = run_cli("check", str(tmp_path / "none.jsonl"), "--repo", str(registry))
    assert missing.code == 2 and "none.jsonl: cannot read the calls" in missing.err
    nowhere = run_cli("check", str(CORPUS), "--repo", str(registry), "--plan", "ios")
    assert nowhere.code == 2 and "has no plan 'ios' (plans: web)" in nowhere.err
    nolock = run_cli("check", str(CORPUS), "--lock", str(tmp_path / "trackplan.lock"))
    assert nolock.code == 2 and "no lock file" in nolock.err
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\xff\xfe\x00garbage\n" * 3)
    result = run_cli("check", str(garbage), "--repo", str(registry), "--format", "json")
    assert result.code == 0  # malformed lines are counted, never a crash
    assert [m["line"] for m in result.json()["malformed"]["lines"]] == [1, 2, 3]


def _released(root: Path, run_cli: Cli) -> Path:
    """web 1.0.0 sends Signup; 2.0.0 renames it to Signed Up; 2.1.0 adds an event."""
    v1 = PLAN.replace("  Signed Up:\n    renamed_from: [Signup]\n", "  Signup:\n")
    repo = write_files(root, {"plans/web/plan.yaml": v1})
    git(repo, "init", "-q", "-b", "main")
    for message, text in (("v1", v1), ("rename", PLAN),
                          ("more", PLAN + "  Button Clicked: {}\n")):  # fmt: skip
        (repo / "plans/web/plan.yaml").write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", message)
        assert run_cli("release", "--repo", str(repo)).code == 0
    return repo


def test_a_release_names_the_version_that_renamed_the_event(run_cli: Cli, tmp_path: Path) -> None:
    repo = _released(tmp_path / "repo", run_cli)
    assert git(repo, "tag", "-l").split() == ["web/v1.0.0", "web/v2.0.0", "web/v2.1.0"]
    calls = tmp_path / "calls.jsonl"
    calls.write_text('{"event": "Signup", "properties": {"method": "email"}}\n'
                     '{"event": "Button Clicked"}\n')  # fmt: skip
    report = run_cli("check", str(calls), "--repo", str(repo), "--plan", "web@2.1.0",
                     "--format", "json").json()  # fmt: skip
    assert report["version"] == "2.1.0" and report["source"] == "web-2.1.0.schema.json"
    (renamed,) = report["findings"]
    assert renamed["detail"] == "renamed to 'Signed Up' in web 2.0.0; send that name"
    old = run_cli("check", str(calls), "--repo", str(repo), "--plan", "web@1.0.0",
                  "--format", "json").json()  # fmt: skip
    assert [(f["kind"], f["event"]) for f in old["findings"]] == [
        ("unplanned-event", "Button Clicked")
    ]
    none = run_cli("check", str(calls), "--repo", str(repo), "--plan", "web@9.0.0")
    assert none.code == 2 and "has no release web 9.0.0 (released: 1.0.0, 2.0.0, 2.1.0)" in none.err


def test_the_read_api_checks_a_batch(run_cli: Cli, tmp_path: Path) -> None:
    repo = _released(tmp_path / "repo", run_cli)
    client = create_read_app(repo).test_client()
    response = client.post("/v1/plans/web/versions/2.1.0/check", data=CORPUS.read_bytes())
    assert response.status_code == 200
    report = response.get_json()
    cli = run_cli("check", str(CORPUS), "--repo", str(repo), "--plan", "web@2.1.0",
                  "--format", "json").json()  # fmt: skip
    assert report == cli  # the same report as the CLI's
    assert ("renamed-event", "Signup", "", (3,)) in _found(report)
    packed = client.post(
        "/v1/plans/web/versions/2.1.0/check", data=gzip.compress(CORPUS.read_bytes())
    )
    assert packed.get_json() == report
    assert client.post("/v1/plans/web/versions/7.0.0/check", data=b"").status_code == 404
    assert client.post("/v1/plans/ios/versions/1.0.0/check", data=b"").status_code == 404
    big = b'{"event": "Signed Up"}\n' * (10 * 1024 * 1024 // 23 + 1)
    assert client.post("/v1/plans/web/versions/2.1.0/check", data=big).status_code == 413


def _check_bytes(run_cli: Cli, registry: Path, tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    result = run_cli("check", str(path), "--repo", str(registry), "--format", "json",
                     "--fail-on", "never")  # fmt: skip
    assert result.code == 0 and "Traceback" not in result.err, result.err
    report: dict[str, Any] = result.json()
    return report


GOOD = b'{"event": "Page Scrolled", "properties": {"depth": 5}}\n'
BAD = b'{"event": "Signed In"}\n'


def test_odd_input_is_counted_at_its_line_and_never_stops_the_run(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    def malformed(report: dict[str, Any]) -> list[tuple[object, str]]:
        return [(m["line"], m["reason"]) for m in report["malformed"]["lines"]]

    # A line that is not UTF-8 is one malformed line: the calls after it are still checked.
    report = _check_bytes(run_cli, registry, tmp_path, GOOD * 100 + b"\xff\n" + GOOD * 4 + BAD)
    assert malformed(report) == [(101, "not UTF-8 (invalid start byte at byte 0)")]
    assert (report["calls"], report["violations"]) == (105, 1)
    assert report["findings"][0]["lines"] == [106]
    # NaN and Infinity are not JSON.
    report = _check_bytes(run_cli, registry, tmp_path, b'{"event": "Page Scrolled", '
                          b'"properties": {"depth": NaN}}\n' + BAD)  # fmt: skip
    assert malformed(report)[0][0] == 1 and "NaN is not JSON" in malformed(report)[0][1]
    # Blank lines before an array; what follows the array is reported, not ignored.
    array = b"\n" * 100 + b"[" + GOOD.strip() + b",\n" + BAD.strip() + b"]\n" + BAD
    report = _check_bytes(run_cli, registry, tmp_path, array)
    assert report["calls"] == 2 and report["findings"][0]["lines"] == [102]
    assert malformed(report) == [(103, "content after the array's closing ']' (not read)")]
    # Bad UTF-8 inside an array: the rest cannot be read, and that is said at its line.
    report = _check_bytes(run_cli, registry, tmp_path, b"[\n" + GOOD.strip() + b",\n\xff]")
    assert report["calls"] == 1
    assert malformed(report) == [(3, "not UTF-8 (invalid start byte); the rest of the array "
                                     "cannot be read")]  # fmt: skip
    # A truncated gzip: what could be read is checked, the rest is one malformed entry.
    packed = gzip.compress(GOOD * 2000 + BAD)
    report = _check_bytes(run_cli, registry, tmp_path, packed[: len(packed) // 2])
    assert 0 < report["calls"] < 2001 and report["malformed"]["count"] == 1
    assert "the rest cannot be read" in malformed(report)[0][1]
    corrupt = packed[:20] + bytes(b ^ 0x55 for b in packed[20:60]) + packed[60:]
    assert _check_bytes(run_cli, registry, tmp_path, corrupt)["malformed"]["count"] == 1


HOSTILE = """plan:
  id: web
events:
  Odd Thing:
    properties:
      id: {type: string, format: uuid}
      size: {type: number, maximum: .inf}
      word: {type: string, pattern: '^\\p{L}+$'}
      year: {type: string, pattern: '(?<year>[0-9]{4})'}
      one: {const: 1}
      "it's \\"odd\\"\\n": {type: integer}
"""
ODD_CALL = (b'{"event": "Odd Thing", "properties": {"id": "not-a-uuid", "size": 1e308, '
            b'"word": "abc", "year": "x", "one": 1.0, "it\'s \\"odd\\"\\n": "a"}}\n')  # fmt: skip


def test_odd_plans_compile_to_checks_that_run(run_cli: Cli, tmp_path: Path) -> None:
    settings = "conventions:\n  property_name: any\n"  # the odd name is the point
    registry = write_files(
        tmp_path / "odd", {"plans/web/plan.yaml": HOSTILE, "trackplan.yaml": settings}
    )
    report = _check_bytes(run_cli, registry, tmp_path, ODD_CALL)
    found = {(f["kind"], f["property"]): f["detail"] for f in report["findings"]}
    assert found == {
        ("format-mismatch", "id"): '"not-a-uuid" is not a uuid',
        ("datatype-mismatch", 'it\'s "odd"\n'): "expected integer, got string",
        ("format-mismatch", "year"): '"x" does not match (?<year>[0-9]{4})',
    }  # 1.0 is the const 1; RE2 takes ECMA-262's \\p{L} and (?<name>...), which Python's re
    # could not compile: both are checked now


def test_a_forged_release_never_runs_as_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Artifacts come from tags and locks anyone may have edited: whatever they hold, the
    checker compiles only JSON types, quoted strings and bound constants."""
    monkeypatch.chdir(tmp_path)
    evil = "x' + str(__import__('os').system('touch PWNED')) + '"
    bundle = {
        "$defs": {
            "events": {
                "Odd Thing": {
                    "type": "object",
                    "required": 5,
                    "properties": {
                        "kind": {"type": ["string", evil, 3, {"a": 1}]},
                        "size": {
                            "maximum": float("nan"),
                            "minimum": float("-inf"),
                            "minLength": True,
                        },
                        "list": {"items": [1, 2], "enum": [[1], {"a": [1.0]}]},
                    },
                },
                "Listed": [1, 2],
            },
            "identify": "nonsense",
        }
    }
    document = {"plan": "web", "version": "1.0.0", "events": {"Odd Thing": {}, "Listed": 5}}
    checker = Checker(document, bundle)
    call = {"event": "Odd Thing", "properties": {"kind": 5, "size": 7, "list": {"a": [1]}}}
    result = checker.check(call)
    assert not (tmp_path / "PWNED").exists()
    assert not isinstance(result, Malformed)
    assert [(f.kind, f.property, f.detail) for f in result[2]] == [
        ("datatype-mismatch", "kind", "expected string, got integer"),
    ]
    assert not isinstance(checker.check({"event": "Listed"}), Malformed)
    assert not isinstance(checker.check({"type": "identify", "traits": {"a": 1}}), Malformed)


def test_the_read_api_refuses_what_it_cannot_read_and_shares_checkers_safely(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = _released(tmp_path / "repo", run_cli)
    app = create_read_app(repo)
    url = "/v1/plans/web/versions/2.1.0/check"
    bomb = gzip.compress(b" " * (64 << 20))  # 64 KB that inflate past the 10 MiB limit
    assert len(bomb) < 10 << 20
    response = app.test_client().post(url, data=bomb)
    assert response.status_code == 413 and "after decompression" in response.get_json()["error"]
    truncated = gzip.compress(CORPUS.read_bytes())[:40]
    report = app.test_client().post(url, data=truncated).get_json()
    assert report["malformed"]["count"] == 1
    expected = app.test_client().post(url, data=CORPUS.read_bytes()).get_json()
    results: list[object] = []

    def post() -> None:
        results.append(app.test_client().post(url, data=CORPUS.read_bytes()).get_json())

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8


def test_an_object_that_lists_no_property_is_checked_not_crashed(
    run_cli: Cli, tmp_path: Path
) -> None:
    """`properties: {}` compiled to an `if` with nothing under it: every check crashed."""
    plan = ("plan: {id: web}\nevents:\n  Item Viewed:\n    properties:\n"
            "      meta: {type: object, properties: {}}\n")  # fmt: skip
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": plan})
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        '{"type": "track", "event": "Item Viewed", "properties": {"meta": {"a": 1}}}\n'
        '{"type": "track", "event": "Item Viewed", "properties": {"meta": 1}}\n'
    )
    done = run_cli("check", str(calls), "--repo", str(repo), "--plan", "web", "--format", "json")
    assert done.code == 1, done.err
    found = done.json()
    assert (found["calls"], found["clean"], found["violations"]) == (2, 1, 1)


def test_any_of_and_one_of_are_checked_as_they_read(run_cli: Cli, tmp_path: Path) -> None:
    plan = ("plan: {id: web}\nevents:\n  Item Viewed:\n    properties:\n"
            "      ref:\n        required: true\n        anyOf:\n"
            "          - {type: string, pattern: '^sku-'}\n"
            "          - {type: integer, minimum: 1}\n"
            "      mode:\n        oneOf:\n          - {type: string, enum: [a, b]}\n"
            "          - {type: string, enum: [b, c]}\n")  # fmt: skip
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": plan})
    assert run_cli("validate", "--repo", str(repo)).code == 0
    calls = tmp_path / "calls.jsonl"
    calls.write_text("\n".join(json.dumps({"type": "track", "event": "Item Viewed",
                                             "properties": p}) for p in (
        {"ref": "sku-1", "mode": "a"}, {"ref": 5, "mode": "c"},  # clean
        {"ref": 0}, {"ref": "x"}, {"ref": 2, "mode": "b"},  # none, none, both
    )) + "\n")  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(repo), "--plan", "web", "--format", "json")
    found = done.json()
    assert (found["calls"], found["clean"]) == (5, 2)
    said = {(f["property"], f["count"], f["detail"].split(" ", 1)[1]) for f in found["findings"]}
    assert said == {
        ("ref", 2, "matches 0 of its anyOf definitions, not at least one"),
        ("mode", 1, "matches 2 of its oneOf definitions, not exactly one"),
    }


def test_report_out_keeps_what_was_sent_per_event_and_day(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text("\n".join(json.dumps(c) for c in [
        {"event": "Signed Up", "properties": {"method": "email"},
         "timestamp": "2026-11-30T23:59:59Z"},
        {"event": "Signed Up", "properties": {"method": "fax"},
         "timestamp": "2026-12-01T00:00:01Z"},
        {"event": "Signed Up", "properties": {"method": "google"},
         "sentAt": "2026-12-01T08:00:00+01:00"},
        {"event": "Signed Up", "properties": {"method": "email"}, "timestamp": "2026-02-30"},
        {"event": "Signed In", "properties": {}},
        {"type": "identify", "traits": {"email": "a@b.example"}, "timestamp": "2026-12-01"},
        {"event": "Signed In", "timestamp": "0001-01-01T00:00:00Z"},  # Go's zero time: no day
    ]) + "\n")  # fmt: skip
    out = tmp_path / "reports" / "day.json"
    out.parent.mkdir()
    done = run_cli("check", str(calls), "--repo", str(registry), "--report-out", str(out),
                   "--checked-on", "2026-12-02", "--format", "json")  # fmt: skip
    assert done.code == 1, done.err
    kept = json.loads(out.read_text())
    printed = done.json()
    assert kept["report"] == "trackplan-check/1" and kept["checked_on"] == "2026-12-02"
    assert {k: v for k, v in kept.items() if k not in ("report", "checked_on")} == printed
    assert kept["observed"] == {
        "Signed In": {"undated": {"calls": 2, "violating": 2}},
        # An impossible date is no date: the call counts on the report's day.
        "Signed Up": {"2026-11-30": {"calls": 1, "violating": 0},
                      "2026-12-01": {"calls": 2, "violating": 1},
                      "undated": {"calls": 1, "violating": 0}},
        "identify": {"2026-12-01": {"calls": 1, "violating": 0}},
    }  # fmt: skip
    again = run_cli("check", str(calls), "--repo", str(registry), "--report-out", str(out),
                    "--checked-on", "2026-12-02")  # fmt: skip
    assert again.code == 1 and json.loads(out.read_text()) == kept  # same calls, same report
    bad_day = run_cli("check", str(calls), "--repo", str(registry), "--report-out", str(out),
                      "--checked-on", "yesterday")  # fmt: skip
    assert bad_day.code == 2 and "give YYYY-MM-DD" in bad_day.err
    alone = run_cli("check", str(calls), "--repo", str(registry), "--checked-on", "2026-12-02")
    assert alone.code == 2 and "give both" in alone.err
    nowhere = run_cli("check", str(calls), "--repo", str(registry), "--report-out",
                      str(tmp_path / "missing" / "r.json"))  # fmt: skip
    assert nowhere.code == 2 and "cannot write" in nowhere.err and "Traceback" not in nowhere.err


def test_github_annotations_show_control_characters_never_obey_them(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    """An event name with ANSI and OSC escapes (a terminal title, a link, colours): the
    workflow command writes them as the text format does, never the raw bytes."""
    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps({"event": "\x1b[31mEvil\x1b]0;t\x07 Clicked"}) + "\n")
    for fmt in ("github", "text"):
        done = run_cli("check", str(calls), "--repo", str(registry), "--format", fmt)
        assert done.code == 1, done.err
        assert "\\x1b[31mEvil\\x1b]0;t\\x07 Clicked" in done.out, done.out
        assert not any(c in done.out for c in "\x1b\x07\r"), repr(done.out)


def test_an_element_json_reads_but_no_call_can_be_is_one_malformed_line(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    """NaN (which Python's json writes), an integer of 5,000 digits and nesting past the
    reader's depth are refused element by element: in an array, as in lines, the calls after
    them are still checked, and no traceback."""

    def malformed(report: dict[str, Any]) -> list[tuple[object, str]]:
        return [(m["line"], m["reason"]) for m in report["malformed"]["lines"]]

    nan = b'{"event": "Page Scrolled", "properties": {"depth": NaN}}'
    huge = b'{"event": "Page Scrolled", "properties": {"depth": ' + b"1" * 5000 + b"}}"
    deep = b'{"event": "Page Scrolled", "properties": {"depth": ' + b"[" * 5000 + b"]" * 5000
    deep += b"}}"
    items = [GOOD.strip(), nan, huge, deep, b'{"event": "Signed In", "x": "a\\"]b"}']
    report = _check_bytes(run_cli, registry, tmp_path, b"[" + b",\n".join(items) + b"]\n")
    assert malformed(report) == [
        (2, "not a call (NaN is not JSON)"),
        (3, "not a call (Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5000...)"),
        (4, "nested too deep to read (over 512 levels): not a call"),
    ]  # fmt: skip
    assert (report["calls"], report["violations"]) == (2, 1)
    lines = _check_bytes(run_cli, registry, tmp_path, deep + b"\n" + BAD)
    assert malformed(lines) == [(1, "nested too deep to read (over 512 levels): not a call")]
    assert (lines["calls"], lines["violations"]) == (1, 1)


def test_a_long_input_reads_every_line_as_a_short_one_does(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    """Past its first thousand lines the reader parses with orjson, not json: the same odd
    lines give the same calls, findings and reasons there as at the start of an input. An
    integer past 64 bits stays whole (orjson would make it a float)."""
    odd = [
        b'{"event": "Page Scrolled", "properties": {"depth": NaN}}',
        b'{"event": "Page Scrolled", "properties": {"depth": 18446744073709551616}}',
        b'{"event": "Page Scrolled", "properties": {"depth": 1e400}}',
        b'{"event": "Page Scrolled", "properties": {"depth": 5, "s": "\\ud800"}}',
        b'{"event": "Page Scrolled", "properties": {"depth": 5, "depth": "five"}}',
        b'{"event": "Page Scrolled", "properties": {"depth": "\xff"}}',
        b'{"event": "Page Scrolled", "properties": {"depth": 5}',
        b'{"event": "Page Scrolled", "x": ' + b"[" * 600 + b"]" * 600 + b"}",
        b'["not", "an", "object"]',
        b'"\xef\xbb\xbfa string"',
        BAD.strip(),
    ]
    tail = b"\n".join(odd) + b"\n"

    def shifted(report: dict[str, Any], by: int) -> tuple[int, int, list[Any], list[Any]]:
        return (
            report["calls"] - by, report["violations"],
            [(m["line"] - by, m["reason"]) for m in report["malformed"]["lines"]],
            [(f["kind"], f["detail"], [n - by for n in f["lines"]])
             for f in report["findings"]],
        )  # fmt: skip

    short = _check_bytes(run_cli, registry, tmp_path, tail)
    long = _check_bytes(run_cli, registry, tmp_path, GOOD * 1500 + tail)
    assert shifted(long, 1500) == shifted(short, 0)
    calls, violations, malformed, findings = shifted(short, 0)
    assert (calls, violations) == (5, 4) and len(findings) == 4, short
    assert [line for line, _ in malformed] == [1, 6, 7, 8, 9, 10], malformed
    assert ("value-out-of-range", "18446744073709551616, maximum 100", [2, 3]) in findings


@pytest.mark.parametrize("limit", [None, 20_000])
def test_nesting_past_512_levels_is_refused_alike_in_lines_and_arrays_whatever_the_stack(
    run_cli: Cli, registry: Path, tmp_path: Path, limit: int | None
) -> None:
    """One limit decides, not the reader's: orjson took 1,024 levels in lines where json took
    about 1,000 in arrays, and all 5,000 in a process whose recursion limit was raised (as
    mypy raises it), so a host's setting changed what was a call. Strings full of brackets
    do not count."""

    def nested(levels: int) -> bytes:
        return (b'{"event": "Page Scrolled", "properties": {"depth": 5, "x": ' + b"[" * levels
                + b'"[[[{{{"' + b"]" * levels + b"}}")  # fmt: skip

    def outcome(report: dict[str, Any]) -> tuple[list[object], int]:
        return [m["line"] for m in report["malformed"]["lines"]], report["calls"]

    # Past a megabyte the count reads in windows: escaped quotes and brackets in a string
    # that spans them (a backslash ends the first) do not count.
    spanning = b'{"event": "Page Scrolled", "x": "' + b'\\"[' * 349_525 + b'\\\\[", "y": '
    strings = [
        b'{"event": "Page Scrolled", "properties": {"depth": 1}, "x": "' + b"[" * 600 + b'"}',
        b'"' + b"{" * 600 + b'"',  # a string alone: not a call, for its type
        spanning + b"[" * 510 + b"]" * 510 + b"}",  # 511 levels
        spanning + b"[" * 512 + b"]" * 512 + b"}",  # 513 levels
    ]
    before = sys.getrecursionlimit()
    if limit:
        sys.setrecursionlimit(limit)
    try:
        calls = [nested(510), nested(511), nested(600), nested(5000), *strings]
        lines = _check_bytes(run_cli, registry, tmp_path, b"\n".join(calls) + b"\n")
        array = _check_bytes(run_cli, registry, tmp_path, b"[" + b",\n".join(calls) + b"]")
    finally:
        sys.setrecursionlimit(before)
    assert outcome(lines) == outcome(array) == ([2, 3, 4, 6, 8], 3)  # 512 levels, then 513
    too_deep = "nested too deep to read (over 512 levels): not a call"
    assert [m["reason"] for m in lines["malformed"]["lines"]] == [
        too_deep, too_deep, too_deep, "not a JSON object", too_deep]  # fmt: skip


def test_formats_run_in_linear_time_and_agree_with_fastjsonschema_s_patterns(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    """Each format is checked in RE2 where RE2 takes its pattern, else (email's lookahead)
    in Python's re on values no longer than a valid one: a 200,000-character 'email' is a
    format mismatch at once (it took 17 s of backtracking). The answers are fastjsonschema's
    patterns' (Python's \\s, \\d and \\w are Unicode classes: RE2 is told so), copied into
    registry/eventcheck/formats.py and kept the same as the installed fastjsonschema's."""
    import re

    from fastjsonschema.draft07 import CodeGeneratorDraft07

    from registry.eventcheck.compiler import FORMATS, format_regex

    assert {**CodeGeneratorDraft07.FORMAT_REGEXS, "uuid": FORMATS["uuid"]} == FORMATS

    values = ["2026-02-30", "2024-02-29", "2026-12-06T10:00:00.123+01:00", "10:00:00Z",
              "a@b.co", "x..y@z.w", "-a.com", "a.b", "1.2.3.4", "256.1.1.1", "::1",
              "https://x.y/z?a=1", "/rel", "#/a/b", "0/a", "{x}", "", "2026-12-06\n",
              "123e4567-e89b-12d3-a456-426614174000", "https://a.b/x\x0by", "x\xa0y:z",
              "\u00e9:x", "\uff11\uff12:\uff10\uff10:\uff10\uff10", "\u0663:\u0663",
              "a" * 400 + "@b.co"]  # fmt: skip
    for name, pattern in FORMATS.items():
        for value in values[:-1]:
            found = bool(format_regex(name).match(value))
            assert found == bool(re.match(pattern, value)), (name, value)
    assert format_regex("email").match(values[-1]) is None  # longer than any address
    calls = tmp_path / "email.jsonl"
    calls.write_text(json.dumps({"type": "identify", "userId": "u1",
                                 "traits": {"email": "a" + "." * 200_000}}) + "\n")  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(registry), "--format", "json")
    assert done.code == 1, done.err
    assert [f["kind"] for f in done.json()["findings"]] == ["format-mismatch"]
    # A lone surrogate (Python's json reads it; RE2 cannot encode it) is a mismatch too.
    calls.write_text('{"event": "Signed Up", "properties": {"method": "email", '
                     '"at": "\\ud800"}}\n')  # fmt: skip
    done = run_cli("check", str(calls), "--repo", str(registry), "--format", "json")
    assert done.code == 1 and "Traceback" not in done.err, done.err
    assert [f["kind"] for f in done.json()["findings"]] == ["format-mismatch"]


def test_a_refused_element_across_read_chunks_is_skipped_whole(
    run_cli: Cli, registry: Path, tmp_path: Path
) -> None:
    """An element refused early (NaN) that goes on past the 1 MiB read chunks, with escaped
    quotes and backslashes at every place near a chunk's edge, is one malformed line; the
    call after it is checked (it is scanned once, not again for each chunk)."""
    for shift in (-3, -2, -1, 0, 1, 2):
        pad = "a" * ((1 << 20) - 30 + shift) + '\\\\\\"]{'
        element = '{"event": "Page Scrolled", "properties": {"depth": NaN, "s": "' + pad + '"}}'
        data = ("[" + element + ",\n" + BAD.decode().strip() + "]\n").encode()
        report = _check_bytes(run_cli, registry, tmp_path, data)
        assert [m["reason"] for m in report["malformed"]["lines"]] == [
            "not a call (NaN is not JSON)"]  # fmt: skip
        assert (report["calls"], report["violations"]) == (1, 1), shift
