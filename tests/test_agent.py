"""What `trackplan mcp` answers, through the library (registry.agent): edits, bounds, names."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from registry.agent.answers import AgentError, suggest_name, validate_call
from registry.agent.bounded import MAX_BYTES, bounded, encode
from registry.agent.knowledge import from_registry
from registry.agent.propose import propose
from registry.lint.validate import validate
from registry.load.snapshot import FolderSnapshot, MemorySnapshot

ACME = Path(__file__).resolve().parent.parent / "examples" / "acme"
SETTINGS = "conventions: {event_name: any, event_grammar: any}\n"
PLAN = """plan:
  id: web
events:
  Video:Played:
    description: Played.
  # Signing up: keep this note.
  Signed Up:
    properties:
      plan: {type: string}

# Shared below: do not remove.
properties: {}
"""


def _files(plan: str = PLAN, crlf: bool = False) -> dict[str, bytes]:
    text = plan.replace("\n", "\r\n") if crlf else plan
    return {"trackplan.yaml": SETTINGS.encode(), "plans/web/plan.yaml": text.encode()}


def _apply(files: dict[str, bytes], name: str, definition: dict[str, object]) -> dict[str, bytes]:
    proposal = propose(files, "web", name, definition)
    assert proposal.accepted, proposal.findings
    return {**files, proposal.path: proposal.text.encode()}


def test_a_proposal_changes_its_event_and_nothing_else() -> None:
    files = _apply(_files(), "Video", {"description": "A new one."})  # not 'Video:Played'
    files = _apply(files, "Signed Up", {"properties": {"plan": {"type": "integer"}}})
    text = files["plans/web/plan.yaml"].decode()
    assert "  Video:Played:\n    description: Played.\n" in text
    assert "  # Signing up: keep this note.\n  Signed Up:\n" in text
    assert "# Shared below: do not remove.\nproperties: {}\n" in text
    events = validate(MemorySnapshot(files)).registry.plans["web"].events
    assert set(events) == {"Video:Played", "Signed Up", "Video"}
    assert events["Signed Up"].properties["plan"].spec["type"] == "integer"


def test_characters_some_readers_take_for_line_breaks_cannot_plant_yaml() -> None:
    planted = "A gift card.\u2028group: {traits: {tier: {type: string}}} #\u0085- x\u2029"
    files = _apply(_files(), "Gift Redeemed", {"description": planted})
    text = files["plans/web/plan.yaml"].decode()
    assert "\u2028" not in text and "\\u2028" in text
    files = _apply(files, "Gift Redeemed", {"description": "Clean."})
    registry = validate(MemorySnapshot(files)).registry
    assert (
        registry.plans["web"].group == {} and "group:" not in files["plans/web/plan.yaml"].decode()
    )
    read = json.loads(json.dumps(registry.plans["web"].events["Gift Redeemed"].spec["description"]))
    assert read == "Clean."


def test_a_crlf_file_stays_crlf_and_a_bad_definition_is_refused_unwritten() -> None:
    files = _apply(_files(crlf=True), "Page Left", {"description": "Left."})
    text = files["plans/web/plan.yaml"].decode()
    assert text.count("\r\n") == text.count("\n")  # every line ends as the file's did
    bad = propose(files, "web", "Page Left", {"properties": {"x": {"type": "strng"}}})
    assert not bad.accepted and bad.answer(written=False)["written"] is False
    with pytest.raises(AgentError, match="1 to 200 characters"):
        propose(files, "web", "x" * 201, {})
    with pytest.raises(AgentError, match="must be an object"):
        propose(files, "web", "Page Left", ["not", "a", "map"])  # type: ignore[arg-type]


def test_answers_stay_bounded_in_bytes_and_quickly() -> None:
    huge = {"note": "x", "properties": {f"p{i}": {"type": "string", "enum": ["a", "é" * 40]}
                                       for i in range(5000)}}  # fmt: skip
    started = time.perf_counter()
    cut = bounded(huge)
    took = time.perf_counter() - started
    assert cut["truncated"] is True and len(encode(cut)) <= MAX_BYTES
    assert 0 < len(cut["properties"]) < 5000 and cut["note"] == "x"
    assert took < 30  # generous: a handful of passes, never one per entry


def test_names_are_weighed_against_every_plan_s_conventions() -> None:
    report = validate(FolderSnapshot(ACME))
    knowledge = from_registry(report.registry, report.findings)
    named = suggest_name(knowledge, "Clicked Checkout Button")
    assert not named["conventional"]  # the shop plan wants object-action
    assert any(p.startswith("plan 'shop': grammar") for p in named["problems"])
    assert named["by_plan"]["segment"]["conventional"] is True
    with pytest.raises(AgentError, match="1 to 200"):
        suggest_name(knowledge, "x" * 20_000)
    checked = validate_call(knowledge, "Order Compleated", {})  # several plans, none has it
    assert checked["violations"][0]["kind"] == "unplanned-event"
    assert "'Order Completed'" in checked["violations"][0]["detail"]


def test_a_plan_shaped_answer_is_cut_at_its_widest_level_not_refused() -> None:
    answer = {"events": {f"e{i}": {"properties": {f"p{j}": {"type": "string", "description":
              "w" * 40} for j in range(100)}} for i in range(150)}}  # fmt: skip
    started = time.perf_counter()
    cut = bounded(answer)
    assert time.perf_counter() - started < 30  # generous: a few passes
    assert cut.get("error") is None and cut["truncated"] is True
    assert 0 < len(cut["events"]) < 150 and len(encode(cut)) <= MAX_BYTES
    assert all(len(e["properties"]) == 100 for e in cut["events"].values())  # whole events


def test_a_file_without_a_final_newline_keeps_its_line_endings() -> None:
    files = {"trackplan.yaml": SETTINGS.encode(),
             "plans/web/plan.yaml": b"plan:\r\n  id: web\r\nevents:\r\n  A Viewed: {}"}  # fmt: skip
    files = _apply(files, "B Viewed", {"description": "Odd \u0080 control."})
    text = files["plans/web/plan.yaml"].decode()
    assert text.count("\r\n") == text.count("\n") and "\\u0080" in text
    assert validate(MemorySnapshot(files)).registry.plans["web"].events["B Viewed"].spec[
        "description"] == "Odd \u0080 control."  # fmt: skip


def test_a_search_is_linear_in_its_query_and_a_huge_one_is_refused() -> None:
    """Splitting names into words ran a regex quadratic on a run of capitals (20,000 took
    3 s, and the MCP server answered nobody meanwhile); now 200,000 split at once, and a
    query past MAX_QUERY characters is refused with a reason."""
    from registry.agent.search import MAX_QUERY, SearchIndex
    from registry.lint.naming import words

    assert words("HTMLParser orderID Order_Id") == ["html", "parser", "order", "id", "order",
                                                    "id"]  # fmt: skip
    assert words("A" * 200_000) == ["a" * 200_000]
    report = validate(FolderSnapshot(ACME))
    index = SearchIndex.build(from_registry(report.registry, report.findings))
    assert index.search("order completed")[0]["event"] == "Order Completed"
    with pytest.raises(AgentError, match=f"at most {MAX_QUERY} characters"):
        index.search("A" * (MAX_QUERY + 1))
