"""`trackplan import` and `export` on realistic files of each format, and on broken ones."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry.load.cache import ParseCache
from registry.pull.sources import from_registry
from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def plan_of(repo: Path, plan: str) -> dict[str, Any]:
    (found,), errors = from_registry(repo, None, ParseCache(None))
    assert found.plan == plan and not errors
    return found.document


def test_segment_config_api_keeps_the_newest_version_and_former_names(
    run_cli: Cli, tmp_path: Path
) -> None:
    result = run_cli(
        "import",
        "segment",
        str(FIXTURES / "segment_config_api.json"),
        "--plan",
        "web",
        "--repo",
        str(tmp_path),
    )
    assert result.code == 0, result.err
    assert result.out.startswith("wrote plans/web/plan.yaml: plan web, 2 events\n")
    # The imported plan is validated: Segment has no PII flag, so the email trait is named.
    assert "warning pii-unflagged property 'email' looks like personal data" in result.out
    # Nothing else left out (`anyOf` is the plan's own now); the older version is named.
    assert result.err.count("\n  ") == 1, result.err
    said = "version 1 of event 'Order Completed' (version 2 is imported) at "
    assert said + "tracking_plan.rules.events[0] " in result.err
    plan = plan_of(tmp_path, "web")
    assert (plan["title"], plan["description"]) == ("Acme web", "Events of the web app.")
    order = plan["events"]["Order Completed"]
    assert order["description"] == "A customer paid for an order (v2)."  # version 2 wins
    assert order["renamed_from"] == ["Purchase"] and order["additional_properties"] is False
    assert order["properties"]["coupon"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert order["properties"]["currency"] == {
        "type": "string",
        "enum": ["EUR", "USD"],
        "required": True,
    }
    assert plan["common"]["properties"]["app_version"]["required"] is True
    assert plan["identify"]["traits"]["email"]["format"] == "email"
    text = (tmp_path / "plans/web/plan.yaml").read_text()
    assert "  # Segment event version 2\n  Order Completed:\n" in text


def test_segment_public_api_rules(run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli(
        "import",
        "segment",
        str(FIXTURES / "segment_public_api.json"),
        "--plan",
        "media",
        "--repo",
        str(tmp_path),
    )
    assert result.code == 0, result.err
    assert "a PAGE rule Home at data.rules[2].type (" in result.err
    assert "segment_public_api.json:32)" in result.err
    plan = plan_of(tmp_path, "media")
    assert plan["events"]["Video Played"]["properties"]["video_id"]["required"] is True
    assert plan["group"]["traits"]["plan_tier"]["enum"] == ["free", "pro"]


def test_rudderstack_project_folder(run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli(
        "import",
        "rudderstack",
        str(FIXTURES / "rudderstack"),
        "--plan",
        "app",
        "--repo",
        str(tmp_path),
    )
    assert result.code == 0, result.err
    assert "event categories (1 events): trackplan has no categories" in result.err
    plan = plan_of(tmp_path, "app")
    assert plan["title"] == "First tracking plan"
    signed = plan["events"]["User Signed Up"]
    assert signed["additional_properties"] is False
    assert signed["properties"]["write_key"] == {
        "type": "string",
        "required": True,
        "minLength": 24,
        "maxLength": 48,
        "description": "KSUID identifier for the source embedded in the SDKs",
    }
    assert plan["events"]["Product Viewed"]["properties"]["price"]["type"] == ["number", "null"]
    assert plan["identify"]["traits"]["email"] == {
        "type": "string",
        "format": "email",
        "required": True,
    }


def test_iglu_keeps_the_newest_schemaver_and_names_as_they_are(
    run_cli: Cli, tmp_path: Path
) -> None:
    result = run_cli(
        "import",
        "iglu",
        str(FIXTURES / "iglu" / "schemas"),
        "--plan",
        "site",
        "--repo",
        str(tmp_path),
    )
    # Snowplow names are snake_case: imported as they are, the naming lint says so (exit 1).
    assert result.code == 1
    assert "plans/site/plan.yaml:7:3: error event-name-case event name 'link_click'" in result.out
    text = (tmp_path / "plans/site/plan.yaml").read_text()
    assert "  # Iglu iglu:com.acme/link_click/jsonschema: SchemaVer 1-0-0, 1-0-1\n" in text
    (tmp_path / "trackplan.yaml").write_text("conventions:\n  event_name: snake-case\n")
    link = plan_of(tmp_path, "site")["events"]["link_click"]
    assert set(link["properties"]) == {"target_url", "element_id"}  # 1-0-1's
    assert link["additional_properties"] is False


def test_a_spreadsheet_in_any_column_order_and_case(run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli(
        "import", "csv", str(FIXTURES / "sheet.csv"), "--plan", "web", "--repo", str(tmp_path)
    )
    assert result.code == 0, result.err
    # A column nobody reads is named with what it held, and --strict refuses it.
    assert "column 'Notes', 1 filled cell (trackplan does not read it) at column 11" in result.err
    strict = run_cli("import", "csv", str(FIXTURES / "sheet.csv"), "--plan", "web", "--repo",
                     str(tmp_path / "strict"), "--strict")  # fmt: skip
    assert strict.code == 1 and not (tmp_path / "strict" / "plans").exists()
    plan = plan_of(tmp_path, "web")
    assert plan["lifecycle"] == [{"stage": "Subscriber"}, {"stage": "Customer"}]
    assert set(plan["sources"]) == {"web", "ios", "server"}
    signed = plan["events"]["Signed Up"]
    assert (signed["owners"], signed["sources"], signed["stage"]) == (
        ["@acme/growth"],
        ["web", "ios"],
        "Subscriber",
    )
    assert signed["properties"]["method"] == {
        "type": "string",
        "required": True,
        "enum": ["email", "google"],
        "examples": ["email"],
    }
    order = plan["events"]["Order Completed"]["properties"]
    assert order["currency"]["enum"] == ["EUR, the default", "USD"]
    assert order["revenue"]["examples"] == [19.99]
    assert plan["events"]["Page Viewed"] == {
        "description": "A page was shown.",
        "sources": ["web"],
        "properties": {},
    }


BROKEN = [
    (
        "segment",
        "plan.json",
        '{"rules": {"events": [\n  {"name": "A Viewed"},\n  {"desc": 1}\n]}}',
        "plan.json:3: an event's `name` should be a non-empty string",
    ),
    (
        "segment",
        "plan.json",
        '{"rules": {"events": [\n  {"name": "A Viewed",,}\n]}}',
        "plan.json:2:",
    ),
    ("segment", "plan.json", '{"a": 1, "a": 2}', "plan.json:1:"),  # duplicate key
    (
        "csv",
        "sheet.csv",
        "event,property,type\nA Viewed,x,strng\n",
        "sheet.csv:2: column 3 (type): unknown type 'strng'",
    ),
    (
        "csv",
        "sheet.csv",
        "event,property,required\nA Viewed,x,maybe\n",
        "sheet.csv:2: column 3 (required): 'maybe' is not yes or no",
    ),
    ("csv", "sheet.csv", "name,property\n,x\n", "sheet.csv:2: column 1 (event): no event name"),
    ("csv", "sheet.csv", "property,type\nx,string\n", "sheet.csv:1: no 'event' column"),
    (
        "csv",
        "sheet.csv",
        "event,property\nA Viewed,x\nA Viewed,x\n",
        "sheet.csv:3: column 2 (property): 'x' of 'A Viewed' is on an earlier row too",
    ),
    ("csv", "sheet.csv", b"event\nA \xff Viewed\n", "sheet.csv:2: not UTF-8 text"),
    ("csv", "sheet.csv", "event,owner\nA Viewed,Growth team\n", "would not validate"),
    (
        "rudderstack",
        "tp.yaml",
        "version: rudder/v0.1\nkind: tp\nmetadata: {name: x}\nspec:\n"
        "  id: x\n  rules:\n    - type: event_rule\n      event: {$ref: '#/events/e/missing'}\n",
        "tp.yaml:8: no event #/events/e/missing in the project",
    ),
    ("rudderstack", "tp.yaml", "kind: tp\nmetadata: {name: x}\nspec: [1\n", "tp.yaml:3:"),
    # An unclosed quote must not swallow the rows after it.
    (
        "csv",
        "sheet.csv",
        'event,event description\nA Viewed,"oops\nB Viewed,fine\nC Viewed,x\n',
        "is a quote opened in an earlier row never closed?",
    ),
    (
        "csv",
        "sheet.csv",
        "event,event description\nA Viewed,a\0b\n",
        "sheet.csv:2: column 2 (event description): holds a NUL character",
    ),
    (
        "csv",
        "sheet.csv",
        "event,property,allowed values\nA Viewed,x,[NaN]\n",
        "sheet.csv:2: column 3 (allowed values): starts with '[' but is not a JSON list",
    ),
]


@pytest.mark.parametrize(
    ("fmt", "name", "content", "said"), BROKEN, ids=[f"{f}-{i}" for i, (f, *_) in enumerate(BROKEN)]
)
def test_broken_input_exits_2_naming_the_place_and_writes_nothing(
    run_cli: Cli, tmp_path: Path, fmt: str, name: str, content: str | bytes, said: str
) -> None:
    source = write_files(tmp_path / "in", {name: content}) / name
    repo = tmp_path / "repo"
    result = run_cli("import", fmt, str(source), "--plan", "web", "--repo", str(repo))
    assert result.code == 2, (result.out, result.err)
    assert said in result.err and "Traceback" not in result.err
    assert not (repo / "plans").exists() or not any((repo / "plans").iterdir())


def test_an_existing_plan_is_replaced_only_with_force(run_cli: Cli, tmp_path: Path) -> None:
    sheet = str(FIXTURES / "sheet.csv")
    assert run_cli("import", "csv", sheet, "--plan", "web", "--repo", str(tmp_path)).code == 0
    again = run_cli("import", "csv", sheet, "--plan", "web", "--repo", str(tmp_path))
    assert again.code == 2 and "the plan exists already; pass --force" in again.err
    forced = run_cli("import", "csv", sheet, "--plan", "web", "--repo", str(tmp_path), "--force")
    assert forced.code == 0
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == ["web"]  # nothing left over
    bad = run_cli("import", "csv", sheet, "--plan", "Web!", "--repo", str(tmp_path))
    assert bad.code == 2 and "a plan id is lower case letters" in bad.err


def test_export_names_what_the_format_cannot_carry(run_cli: Cli, tmp_path: Path) -> None:
    repo = str(EXAMPLES / "acme")
    segment = run_cli("export", "segment", "--plan", "shop", "--repo", repo)
    assert segment.code == 0
    exported = json.loads(segment.out)
    assert exported["name"] == "Acme shop" and exported["type"] == "LIVE"
    assert {r["type"] for r in exported["rules"]} <= {"TRACK", "IDENTIFY", "GROUP", "COMMON"}
    (warning,) = segment.err.splitlines()
    assert warning.startswith("trackplan: warning: segment cannot carry, so the export leaves out:")
    assert "plan lifecycle (1)" in warning and "event owners (4)" in warning
    iglu = run_cli("export", "iglu", "--plan", "shop", "--repo", repo)
    assert iglu.code == 2 and "iglu exports a folder of files: pass --out DIR" in iglu.err
    out = tmp_path / "schemas"
    iglu = run_cli(
        "export",
        "iglu",
        "--plan",
        "shop",
        "--repo",
        repo,
        "--out",
        str(out),
        "--vendor",
        "com.acme",
    )
    assert iglu.code == 0 and "event owners (4)" in iglu.err
    schema = json.loads((out / "com.acme/order_completed/jsonschema/1-0-0").read_text())
    assert schema["self"]["name"] == "order_completed" and schema["title"] == "Order Completed"
    again = run_cli(
        "export",
        "iglu",
        "--plan",
        "shop",
        "--repo",
        repo,
        "--out",
        str(out),
        "--vendor",
        "com.acme",
    )
    assert again.code == 0 and sorted(out.parent.iterdir()) == [out]  # replaced whole
    lexicon = json.loads(run_cli("export", "mixpanel", "--plan", "shop", "--repo", repo).out)
    assert {e["entityType"] for e in lexicon["entries"]} == {"event", "profile"}
    missing = run_cli("export", "csv", "--plan", "nope", "--repo", repo)
    assert missing.code == 2 and "has no plan 'nope'" in missing.err


def test_export_is_byte_deterministic(run_cli: Cli, tmp_path: Path) -> None:
    repo = str(EXAMPLES / "acme")
    for fmt in ("segment", "csv", "mixpanel"):
        first = run_cli("export", fmt, "--plan", "segment", "--repo", repo).out
        assert first == run_cli("export", fmt, "--plan", "segment", "--repo", repo).out
    for fmt in ("rudderstack", "iglu"):
        a, b = tmp_path / f"{fmt}-a", tmp_path / f"{fmt}-b"
        run_cli("export", fmt, "--plan", "segment", "--repo", repo, "--out", str(a))
        run_cli("export", fmt, "--plan", "segment", "--repo", repo, "--out", str(b))
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files and files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_a_sheet_s_examples_keep_their_type_and_the_warning_counts_what_is_left_out(
    run_cli: Cli, tmp_path: Path
) -> None:
    rows = (
        "event,property,type,example\nA Viewed,code,string,12345\n"
        "A Viewed,flag,string,true\nA Viewed,count,integer,7\nA Viewed,ratio,number,NaN\n"
    )
    sheet = write_files(tmp_path, {"s.csv": rows})
    assert run_cli("import", "csv", str(sheet / "s.csv"), "--plan", "web", "--repo",
                   str(tmp_path / "r")).code == 0  # fmt: skip
    props = plan_of(tmp_path / "r", "web")["events"]["A Viewed"]["properties"]
    examples = {name: spec["examples"] for name, spec in props.items()}
    assert examples == {"code": ["12345"], "flag": ["true"], "count": [7], "ratio": ["NaN"]}
    plan = ("plan:\n  id: web\nidentify:\n  traits:\n    email: {type: string, pii: true}\n"
            "events:\n  A Viewed:\n    additional_properties: false\n    properties:\n"
            "      n: {type: integer, minimum: 0, examples: [1, 2]}\n")  # fmt: skip
    repo = write_files(tmp_path / "p", {"plans/web/plan.yaml": plan})
    err = run_cli("export", "csv", "--plan", "web", "--repo", str(repo)).err
    for part in ("event additional_properties (1)", "property examples past the first (1)"):
        assert part in err, err
    assert "identify" not in err and "minimum" not in err  # the sheet has rows and columns for them
    err = run_cli("export", "segment", "--plan", "web", "--repo", str(repo)).err
    assert "trait pii (1)" in err


def test_exports_write_only_their_own_files_and_stay_inside_out(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = str(EXAMPLES / "acme")
    out = write_files(tmp_path / "schemas", {"com.other/x/jsonschema/1-0-0": "{}"})
    assert run_cli("export", "iglu", "--plan", "shop", "--repo", repo, "--out", str(out),
                   "--vendor", "com.acme").code == 0  # fmt: skip
    assert (out / "com.other/x/jsonschema/1-0-0").read_text() == "{}"  # left alone
    assert (out / "com.acme/cart_viewed/jsonschema/1-0-0").is_file()
    evil = run_cli("export", "iglu", "--plan", "shop", "--repo", repo, "--out", str(out),
                   "--vendor", "../../evil")  # fmt: skip
    assert evil.code == 2 and "an Iglu vendor is a reverse domain name" in evil.err
    assert not (tmp_path.parent / "evil").exists()
    a_file = write_files(tmp_path, {"f.txt": "keep"}) / "f.txt"
    as_folder = run_cli("export", "rudderstack", "--plan", "shop", "--repo", repo,
                        "--out", str(a_file))  # fmt: skip
    assert as_folder.code == 2 and "is not a folder" in as_folder.err
    assert a_file.read_text() == "keep"
    for plan in ("", "@1"):
        bad = run_cli("export", "segment", "--plan", plan, "--repo", repo)
        assert bad.code == 2 and "Traceback" not in bad.err and "--plan" in bad.err


def test_odd_source_names_still_make_a_plan_that_parses(run_cli: Cli, tmp_path: Path) -> None:
    sheet = write_files(tmp_path, {"odd\x01name.csv": "event\nA Viewed\n"}) / "odd\x01name.csv"
    assert (
        run_cli("import", "csv", str(sheet), "--plan", "web", "--repo", str(tmp_path / "r")).code
        == 0
    )
    assert run_cli("validate", "--repo", str(tmp_path / "r")).code == 0


EXPORTS = ("csv", "iglu", "mixpanel", "opentp", "rudderstack", "segment")


@pytest.mark.parametrize("fmt", EXPORTS)
def test_export_names_consumers_it_cannot_carry(run_cli: Cli, tmp_path: Path, fmt: str) -> None:
    """Who reads a plan's data (`consumers:`, on the plan and on an event) is in the output
    or named as left out: every export once dropped them without a word."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "acme", repo)
    plan = repo / "plans" / "shop" / "plan.yaml"
    text = plan.read_text()
    text = text.replace('  owners: ["@acme/commerce"]\n',
                        '  owners: ["@acme/commerce"]\n  consumers: ["@acme/bi"]\n', 1)  # fmt: skip
    plan.write_text(text)
    events = repo / "plans" / "shop" / "events" / "checkout.yaml"
    lines = events.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("  ") and line.endswith(":"))
    lines.insert(at + 1, '    consumers: [{name: Revenue dashboard, owner: "@acme/finance"}]')
    events.write_text("\n".join(lines))  # under the file's first event
    assert run_cli("validate", "--repo", str(repo)).code == 0
    out = tmp_path / "out"
    result = run_cli("export", fmt, "--plan", "shop", "--repo", str(repo), "--out", str(out))
    assert result.code == 0, result.err
    written = "".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file()) \
        if out.is_dir() else out.read_text()  # fmt: skip
    for where, value in (("plan", "@acme/bi"), ("event", "Revenue dashboard")):
        assert value in written or f"{where} consumers (1)" in result.err, (where, result.err)


def test_the_plan_document_holds_every_field_of_a_plan_and_an_event() -> None:
    """What a plan's schema allows reaches the released document (and so each export, or
    its warning); only the registry's own rules stay home: the id is the document's `plan`,
    conventions and policy judge changes in the registry."""
    from registry.formats.base import EVENT_KEYS, META_KEYS

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" /
                         "plan.schema.json").read_text())["$defs"]  # fmt: skip
    assert set(META_KEYS) == set(schema["planMeta"]["properties"]) - {
        "id", "conventions", "policy"}  # fmt: skip
    assert set(EVENT_KEYS) == set(schema["event"]["properties"]) - {"properties"}
