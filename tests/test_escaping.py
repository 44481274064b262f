"""Every plan string is escaped for the place it lands (issue 22): random Unicode with the
nastiest fragments goes through the review comment, the check-run text, the changelog and
Slack (then a CommonMark parser reads them) and through every code generator (then the code
is compiled and run)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from registry.diff.compare import compare
from registry.escape import md_block, md_code, md_text, slack_text
from registry.load.settings import RULES_URL
from registry.load.snapshot import MemorySnapshot
from registry.release.artifacts import ReleaseInfo, changelog
from registry.review.check_runs import breaking_text, waiting_for
from registry.review.comment import MARKER, Links, render_review
from registry.review.notices import pull_request_notice
from tests.codegen_kit import tsc

FRAGMENTS = [
    "*/", "/*", "${", "`", "```", '"""', "'''", "\\", "\u2028", "\u2029", "\x00", "\r\n",
    "\u202e", "\u2066", "<!--", "-->", "<script>", "@acme/team", "@bob", "#1", "o/r#2",
    "GH-3", "deadbeef12345", "https://evil.example/x", "www.evil.example", "[a](b)", "![i](j)",
    "| a |", "\n## What blocks the merge\n", "\n---\n", "<!channel>", "<http://x|y>", "*b*",
    "_i_", "~s~", "&lt;", "&#64;", "PWNED", "'); require('fs').writeFileSync('PWNED', '');//",
    '"); __import__("os").system("touch PWNED"); ("', "\"\"\"; open('PWNED','w'); \"\"\"",
]  # fmt: skip
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
HOSTILE = (
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), TEXT), min_size=1, max_size=4)
    .map("".join)
    .filter(lambda s: s.strip() != "")
)
SETTINGS = (b"conventions: {event_name: any, property_name: any, event_grammar: any, "
            b"forbid_dynamic_names: false}\n")  # fmt: skip
SECTIONS = {"trackplan review", "What blocks the merge", "Stakeholders", "Versions",
            "Breaking changes", "Warnings", "Migration notes", "Plan `web`"}  # fmt: skip
MD = MarkdownIt("commonmark").enable("table")
# What GitHub turns into a mention, an issue or commit reference, or a link, in text.
LINKED = re.compile(r"(?<![\w`])@[A-Za-z0-9]|(?<![\w&])#[0-9]|://|\bwww\.|\b[0-9a-f]{7,}\b",
                    re.IGNORECASE)  # fmt: skip
# In the author's own migration notes, links and URLs are theirs to write; pings are not.
PINGS = re.compile(r"(?<![\w`])@[A-Za-z0-9]|(?<![\w&])#[0-9]|\bGH-[0-9]", re.IGNORECASE)


def _yaml(doc: object) -> bytes:
    """JSON, which YAML reads, with every character escaped but astral ones (YAML takes no
    surrogate-pair escapes): the names reach the loader exactly."""
    text = json.dumps(doc)
    pairs = re.compile(r"\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}")
    return pairs.sub(lambda m: json.loads(f'"{m.group()}"'), text).encode()


def _registries(names: list[str]) -> tuple[MemorySnapshot, MemorySnapshot]:
    """BASE: an event per name (owned, described, with a property of that name); HEAD: the
    first renamed, the rest removed: every kind of breaking change names them."""
    events = {
        n: {
            "description": n,
            "owners": ["@acme/growth"],
            "properties": {n: {"type": "string", "description": n}},
        }
        for n in names
    }
    base = {"plan": {"id": "web", "owners": ["@acme/data"], "title": names[0]}, "events": events}
    head = {
        "plan": {"id": "web", "owners": ["@acme/data"], "title": names[-1]},
        "events": {"Renamed " + names[0]: {"renamed_from": [names[0]]}},
    }

    def snap(doc: object) -> MemorySnapshot:
        return MemorySnapshot({"plans/web/plan.yaml": _yaml(doc), "trackplan.yaml": SETTINGS})

    return snap(base), snap(head)


def _assert_structure(markdown: str, allowed_html: tuple[str, ...] = (),
                      ours: str = "\0") -> list[str]:  # fmt: skip
    """The Markdown's headings; asserts no HTML but ours, no link but the rules', and no text
    GitHub would link or mention (the migration notes are the author's: links allowed)."""
    tokens = MD.parse(markdown)
    headings = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append(tokens[index + 1].content)
        notes = bool(headings) and headings[-1] == "Migration notes"
        if token.type == "html_block":
            assert token.content.strip() in allowed_html or re.fullmatch(
                r"</?details>(<summary>[^<]*</summary>)?", token.content.strip()
            ), token.content
        for child in token.children or []:
            assert child.type != "html_inline" or re.fullmatch(
                r"</?(details|summary)>", child.content
            ), child.content
            if child.type == "link_open" and not notes:
                assert str(child.attrs["href"]).startswith(RULES_URL), child.attrs
            if child.type == "text":
                linked = PINGS if notes else LINKED
                assert not linked.search(child.content.replace(ours, "")), child.content
    return headings


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HOSTILE, min_size=2, max_size=5, unique=True), HOSTILE)
def test_the_review_comment_keeps_its_sections_whatever_the_names(
    names: list[str], notes: str
) -> None:
    base, head = _registries(names)
    report = compare(base, head)
    assert not report.unreadable and report.changes
    owners = ["@acme/growth", "@" + names[0][:20]]
    from registry.review.approvals import evaluate, owner_groups, stakeholder_table

    groups = owner_groups(report.base, report.head, report.changed_files, report.changes)
    status = evaluate(
        groups,
        [],
        author="",
        head_sha="",
        breaking_policy="all-owners",
        default_policy="any-owner",
        fresh_only=False,
        members={},
    )
    body = render_review(
        report,
        "Send the new names.\n" + notes,
        Links(rules=RULES_URL),
        extra_sections=[stakeholder_table(status)],
        waiting_for=owners,
        footer=f"Compared {md_code(names[0])} with {md_code(names[-1])}",
    )
    assert body.startswith(MARKER + "\n## trackplan review\n")
    headings = _assert_structure(body, (MARKER,))
    assert set(headings) <= SECTIONS, headings
    assert {"trackplan review", "What blocks the merge", "Stakeholders", "Breaking changes",
            "Migration notes"} <= set(headings)  # fmt: skip
    assert headings.index("Migration notes") == len(headings) - 1  # nothing after the notes
    tokens = MD.parse(body)  # the footer is not hidden: a rule, then its one paragraph
    assert [t.type for t in tokens[-4:]] == ["hr", "paragraph_open", "inline", "paragraph_close"]
    assert tokens[-2].content.startswith("Compared ")
    # The check run's text and summary, and the release notes, are Markdown too.
    _assert_structure(breaking_text(report, Links(rules=RULES_URL), "trackplan review"))
    _assert_structure(waiting_for([(o, f"event '{n}'") for o in owners for n in names]))
    notes_md = changelog(
        "web", "2.0.0", report.changes, notes, ReleaseInfo("0" * 40, 7, names[0], (names[-1],))
    )
    headings = _assert_structure(notes_md, ours="pull request #7")  # the bot's own link
    assert headings[0] == "web 2.0.0" and headings[-1] == "Migration notes"
    assert set(headings[1:-1]) <= {"Breaking changes", "Warnings", "Other changes"}


@given(HOSTILE)
def test_each_escape_keeps_its_context_whole(text: str) -> None:
    for escaped in (md_text(text), md_code(text), slack_text(text)):
        assert "\n" not in escaped and "\r" not in escaped and "\u2028" not in escaped
    tokens = MD.parseInline(md_code(text))[0].children or []
    assert [t.type for t in tokens] == ["code_inline"]
    (paragraph,) = [t for t in MD.parse("x " + md_text(text)) if t.type == "inline"]
    assert {c.type for c in paragraph.children or []} <= {"text", "softbreak"}
    block = MD.parse(md_block(text) + "\n\n---\nfooter")
    assert not [t for t in block if t.type in ("html_block", "heading_open", "fence")]
    assert [t.type for t in block[-4:]] == ["hr", "paragraph_open", "inline", "paragraph_close"]
    said = pull_request_notice("acme/plans", 1, text, "https://github.com/x", "0" * 40,
                               [text], [text]).text  # fmt: skip
    assert "<" not in said and ">" not in said and "\n" not in said


def _plan_with(names: list[str]) -> bytes:
    events = {}
    for n in names:
        events[n] = {"description": n, "deprecated": {"reason": n},
                     "renamed_from": [n + " old"],
                     "properties": {n: {"type": "string", "description": n, "enum": [n],
                                        "pattern": "^.*$"}}}  # fmt: skip
    doc = {"plan": {"id": "web", "title": names[0], "description": names[-1]},
           "identify": {"traits": {names[0]: {"type": "string", "description": names[-1]}}},
           "events": events}  # fmt: skip
    return _yaml(doc)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(HOSTILE, min_size=1, max_size=6, unique=True))
def test_generated_code_compiles_and_runs_with_no_side_effect(names: list[str]) -> None:
    from trackplan.cli import main

    tsc_path = tsc()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "r/plans/web").mkdir(parents=True)
        (root / "r/plans/web/plan.yaml").write_bytes(_plan_with(names))
        (root / "r/trackplan.yaml").write_bytes(SETTINGS)
        out = root / "out"
        for lang in ("typescript", "python"):
            assert main(["generate", "--lang", lang, "--repo", str(root / "r"), "--out",
                         str(out)]) == 0  # fmt: skip
        ran = subprocess.run([sys.executable, "-c", "import web, json; print(json.dumps("
                              "sorted(web.EVENTS)))"], cwd=out, capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout) == sorted(names)
        if tsc_path is not None:
            built = subprocess.run(
                [
                    tsc_path,
                    "--strict",
                    "--target",
                    "es2020",
                    "--module",
                    "commonjs",
                    "--outDir",
                    "js",
                    "web.ts",
                ],
                cwd=out,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert built.returncode == 0, built.stdout
            node = subprocess.run(["node", "-e", "const m = require('./js/web.js'); "
                                   "console.log(JSON.stringify(Object.keys(m.EVENTS).sort()))"],
                                  cwd=out, capture_output=True, text=True, timeout=120,
                                  check=False)  # fmt: skip
            assert node.returncode == 0, node.stderr
            assert sorted(json.loads(node.stdout)) == sorted(names)
        assert not list(root.rglob("PWNED")) and not Path("PWNED").exists()


def test_typescript_is_checked_when_tsc_is_there() -> None:
    if tsc() is None:
        pytest.skip("no tsc: .ci/run installs it (TRACKPLAN_TSC)")
    assert Path(str(tsc())).exists()
