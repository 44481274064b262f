"""`trackplan catalog`: a static site of the plans, every link working, every string escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import CliResult, write_files
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
VOID = {
    "meta",
    "input",
    "br",
    "link",
    "img",
    "area",
    "base",
    "col",
    "hr",
    "source",
    "wbr",
    "polygon",
}


class _Page(HTMLParser):
    """Links, ids and whether every element closes (a malformed page fails the test)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _pages(out: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(out.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        assert page.open == [], f"{path}: unclosed {page.open}"
        pages[path] = page
    return pages


def test_the_catalog_of_the_examples_links_everything(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote the catalog to {out}: 2 plans, 24 events, 29 pages")
    pages = _pages(out)
    assert len(pages) == 29  # the index, 2 plans with a map each, 24 events
    _assert_links_land(pages)
    shop = (out / "plans/shop/index.html").read_text()
    assert "http" not in re.sub(r'href="[^"]*"|<meta[^>]*>', "", shop)  # nothing fetched
    assert shop.count("<polygon") == 3  # the funnel: one band per lifecycle stage
    for stage in ("Browser", "Shopper", "Customer"):
        assert f">{stage}</text>" in shop
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first  # same bytes


EVIL = "<script>alert(1)</script> Clicked"


def test_every_string_of_a_plan_is_escaped(run_cli: Cli, tmp_path: Path) -> None:
    plan = (
        f"plan:\n  id: web\n  title: '<img src=x onerror=alert(1)>'\n"
        f"  lifecycle:\n    - {{stage: '</svg><script>x</script>', events: ['{EVIL}']}}\n"
        f"events:\n  '{EVIL}':\n    description: '\"><b>bold</b>'\n"
        f"    properties:\n      '<p>': {{type: string, description: '&amp; <i>'}}\n"
        f"    variants:\n      - discriminator: '<p>'\n        cases:\n"
        f"          - {{name: '<b>bold</b>', match: ['<img src=x onerror=alert(1)>'], "
        f"properties: {{'<p>': {{required: true}}}}}}\n"
    )
    repo = write_files(
        tmp_path / "r",
        {
            "plans/web/plan.yaml": plan,
            "trackplan.yaml": "conventions:\n  event_name: any\n"
            "  property_name: any\n  event_grammar: any\n"
            "  forbid_dynamic_names: false\n",
        },
    )
    result = run_cli("catalog", "--repo", str(repo), "--out", str(tmp_path / "site"))
    assert result.code == 0, result.err
    pages = _pages(tmp_path / "site")
    for path in pages:
        html = path.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "<script>x</script>" not in html and "<i>" not in html and "<code><p>" not in html
    texts = {p.name: "".join(page.text) for p, page in pages.items()}
    assert any(EVIL in text for text in texts.values())  # shown as text
    event = next(p for p in pages if "/events/" in str(p))
    assert "<code>&lt;p&gt;</code>" in event.read_text()
    assert "When &lt;p&gt; is &lt;img src=x" in event.read_text()  # a variant's case, escaped


def test_releases_give_versions_and_each_event_s_history(run_cli: Cli, tmp_path: Path) -> None:
    repo = _released(run_cli, tmp_path / "repo", [
        "plan:\n  id: web\nevents:\n  Signup: {}\n",
        "plan:\n  id: web\nevents:\n  Signed Up:\n    renamed_from: [Signup]\n",
    ])  # fmt: skip
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    plan = (out / "plans/web/index.html").read_text()
    assert 'id="v2.0.0"' in plan and 'id="v1.0.0"' in plan and "changes since 1.0.0" in plan
    (event,) = (out / "plans/web/events").iterdir()
    html = unescape(event.read_text())
    assert "event 'Signup' was renamed to 'Signed Up'" in html and ">2.0.0</a>" in html


def test_the_catalog_never_writes_over_another_folder(run_cli: Cli, tmp_path: Path) -> None:
    taken = write_files(tmp_path / "docs", {"notes.txt": "mine"})
    refused = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(taken))
    assert refused.code == 2 and "not empty and not an earlier catalog" in refused.err
    assert (taken / "notes.txt").read_text() == "mine"


def test_serve_shows_the_catalog_at_the_root_and_follows_the_branch(
    run_cli: Cli, tmp_path: Path
) -> None:
    from bot.readapi.access import ReadAccess
    from bot.web.app import create_read_app

    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml":
                       "plan:\n  id: web\nevents:\n  Signup: {}\n"})  # fmt: skip
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    assert run_cli("release", "--repo", str(repo)).code == 0
    client = create_read_app(repo).test_client()
    index = client.get("/")
    assert index.status_code == 200 and index.mimetype == "text/html"
    assert "default-src 'none'" in index.headers["Content-Security-Policy"]
    assert 'href="plans/web/index.html"' in index.get_data(as_text=True)
    plan = client.get("/plans/web/index.html").get_data(as_text=True)
    assert 'id="v1.0.0"' in plan and "Signup" in plan
    slug = re.search(r'href="events/([^"]+)"', plan)
    assert slug and client.get(f"/plans/web/events/{slug[1]}").status_code == 200
    assert client.get("/plans/web/nope.html").status_code == 404
    assert client.get("/.trackplan-catalog").status_code == 404  # pages only
    search = client.get("/search-index.js")  # and the search index the index page loads
    assert search.status_code == 200 and search.mimetype == "text/javascript"
    assert "script-src 'self' 'unsafe-inline'" in search.headers["Content-Security-Policy"]
    assert "Signup" in search.get_data(as_text=True)
    assert client.get("/v1/plans").status_code == 200  # the read API beside it
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    # A new commit and release: the pages follow without a restart.
    (repo / "plans/web/plan.yaml").write_text("plan:\n  id: web\nevents:\n  Signup: {}\n"
                                              "  Order Completed: {}\n")  # fmt: skip
    git(repo, "commit", "-qam", "more")
    # Unreleased: readers see the released plan only, unless the branch is asked for.
    assert "Order Completed" not in client.get("/plans/web/index.html").get_data(as_text=True)
    branch = create_read_app(repo, ReadAccess(catalog_head=True)).test_client()
    assert "Order Completed" in branch.get("/plans/web/index.html").get_data(as_text=True)
    assert run_cli("release", "--repo", str(repo)).code == 0
    plan = client.get("/plans/web/index.html").get_data(as_text=True)
    assert 'id="v1.1.0"' in plan and "Order Completed" in plan
    (repo / "plans/web/plan.yaml").write_text("plan: [broken\n")
    git(repo, "commit", "-qam", "broken")
    assert client.get("/").status_code == 200  # the releases are still what they were
    broken = branch.get("/")
    assert broken.status_code == 503 and "validation error" in broken.get_data(as_text=True)


def test_odd_objective_and_kpi_ids_get_unique_anchors_that_links_find(
    run_cli: Cli, tmp_path: Path
) -> None:
    stages = "".join(f"    - {{stage: Stage {chr(65 + i)}}}\n" for i in range(15))
    plan = ("plan:\n  id: web\n  objectives:\n"
            "    a-b: {kpis: {c: {events: [A Viewed]}}}\n"
            "    a: {kpis: {b-c: {events: [A Viewed]}}}\n"
            "    'grow/revenue': {kpis: {'m r\"r': {events: [A Viewed]}}}\n"
            "  lifecycle:\n" + stages + "events:\n  A Viewed:\n    properties:\n"
            "      kind: {enum: [1, null, true, x]}\n")  # fmt: skip
    repo = write_files(tmp_path / "r", {"plans/web/plan.yaml": plan})
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    pages = _pages(out)
    plan_page = pages[out / "plans/web/index.html"]
    kpi_ids = [i for i in plan_page.ids if i.startswith("kpi-")]
    assert len(kpi_ids) == 3  # a-b/c and a/b-c no longer collide
    for path, page in pages.items():  # every link and fragment resolves (the event's too)
        for link in page.links:
            target, _, fragment = link.partition("#")
            file = (path.parent / target).resolve() if target else path
            assert not fragment or fragment in pages[file].ids, link
    event = next(p for p in pages if "/events/" in str(p))
    assert sum(1 for link in pages[event].links if "#kpi-" in link) == 3
    assert "1, null, true, x" in event.read_text()  # values as JSON writes them
    html = (out / "plans/web/index.html").read_text()
    for points in re.findall(r'points="([^"]+)"', html):  # 15 stages: the funnel narrows
        (x1, _), (x2, _), (x3, _), (x4, _) = (p.split(",") for p in points.split())
        assert float(x1) < float(x2) and float(x4) < float(x3)


def test_the_served_releases_are_not_judged_by_the_branchs_newer_settings(
    run_cli: Cli, tmp_path: Path
) -> None:
    from bot.web.app import create_read_app

    repo = write_files(tmp_path / "repo", {"plans/app/plan.yaml":
                       "plan:\n  id: app\nevents:\n  Page Viewed: {}\n"})  # fmt: skip
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    assert run_cli("release", "--repo", str(repo)).code == 0
    # The branch moves to snake_case; app/v1.0.0 keeps the names of its day.
    (repo / "trackplan.yaml").write_text("conventions: {event_name: snake-case}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snake case from now on")
    page = create_read_app(repo).test_client().get("/plans/app/index.html")
    assert page.status_code == 200 and "Page Viewed" in page.get_data(as_text=True)


def test_changelogs_are_rendered_as_markdown_and_their_html_stays_text(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = write_files(
        tmp_path / "repo", {"plans/web/plan.yaml": "plan:\n  id: web\nevents:\n  Signup: {}\n"}
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    assert run_cli("release", "--repo", str(repo)).code == 0
    (repo / "plans/web/plan.yaml").write_text("plan:\n  id: web\nevents:\n  Signed Up: {}\n")
    git(repo, "commit", "-qam", "rename without renamed_from")
    notes = write_files(tmp_path / "notes", {"pr.md": (
        "## Migration notes\n\nSend `Signed Up` from **5.2** on.\n\n"
        "<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>\n"
    )})  # fmt: skip
    assert run_cli("release", "--repo", str(repo), "--notes", str(notes / "pr.md")).code == 0
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    page = (out / "plans/web/index.html").read_text()
    versions = page.split('id="versions"', 1)[1]
    assert "<pre>" not in versions  # no more raw Markdown in a monospace box
    assert "<code>Signed Up</code>" in versions and "<strong>5.2</strong>" in versions
    assert "<li>" in versions and "<h4>" in versions  # the changelog's ## headings, demoted
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in versions  # shown as text
    (event,) = (out / "plans/web/events").iterdir()
    assert "(<code>event-added</code>)" in event.read_text()  # the history's rule, as code


def test_each_event_page_shows_a_payload_the_plan_accepts_and_the_calls_that_send_it(
    run_cli: Cli, tmp_path: Path
) -> None:
    import ast
    import json
    import re

    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    for plan in ("shop", "segment"):
        calls = []
        for page in sorted((out / "plans" / plan / "events").iterdir()):
            html = page.read_text()
            name = unescape(re.search(r"<h1>(.*?)(?: <span|</h1>)", html).group(1))  # type: ignore[union-attr]
            sent = html.split('id="send"', 1)[1]
            shown = unescape(re.search(r"<pre><code>(.*?)</code></pre>", sent, re.S).group(1))  # type: ignore[union-attr]
            payload = json.loads(shown)
            assert shown == json.dumps(payload, indent=2, ensure_ascii=False)  # as json writes it
            calls.append(json.dumps({"event": name, "properties": payload}))
            for language in ("typescript", "python", "go", "java", "kotlin", "swift"):
                assert f"<summary>{language}</summary>" in sent, (page.name, language)
            python = unescape(sent.split("<summary>python</summary><pre><code>")[1])
            literal = python.split("</code>")[0].split("(", 1)[1].rsplit(")", 1)[0]
            assert ast.literal_eval(literal) == payload  # the Python call is valid Python
        if plan == "shop":
            assert "tracker.trackOrderCompleted({" in (out / "plans/shop/events").joinpath(
                next(p.name for p in (out / "plans/shop/events").iterdir()
                     if p.name.startswith("order-completed-"))).read_text()  # fmt: skip
        file = write_files(tmp_path / plan, {"calls.jsonl": "\n".join(calls) + "\n"})
        checked = run_cli("check", str(file / "calls.jsonl"), "--repo", str(EXAMPLES / "acme"),
                          "--plan", plan, "--format", "json")  # fmt: skip
        assert checked.code == 0, checked.out  # every example is a call the plan accepts


def test_event_pages_link_to_their_line_for_editing_when_asked(
    run_cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    prefix = "https://github.com/acme/plans/edit/main/"
    done = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out), "--edit-url",
                   prefix)  # fmt: skip
    assert done.code == 0, done.err
    page = next((out / "plans/shop/events").glob("order-completed-*.html")).read_text()
    link = re.search(r'<a href="([^"]+)" rel="noopener">Edit in git</a>', page)
    assert link is not None
    line = next(i for i, text in enumerate(
        (EXAMPLES / "acme/plans/shop/events/checkout.yaml").read_text().splitlines(), 1)
        if text.startswith("  Order Completed:"))  # fmt: skip
    assert link.group(1) == f"{prefix}plans/shop/events/checkout.yaml#L{line}"
    for bad in ("javascript:alert(1)//", "https://example.com/no-slash", "ftp://x/"):
        refused = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out",
                          str(tmp_path / "other"), "--edit-url", bad)  # fmt: skip
        assert refused.code == 2 and "--edit-url" in refused.err
    plain = tmp_path / "plain"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(plain)).code == 0
    assert "Edit in git" not in next((plain / "plans/shop/events").glob("order-*.html")).read_text()


def test_the_search_index_holds_plan_strings_as_data(run_cli: Cli, tmp_path: Path) -> None:
    plan = "plan:\n  id: web\nevents:\n  'Clicked</script><script>alert(1)//': {}\n"
    settings = (
        "conventions:\n  event_name: any\n  event_grammar: any\n  forbid_dynamic_names: false\n"
    )
    repo = write_files(tmp_path / "r", {"plans/web/plan.yaml": plan, "trackplan.yaml": settings})
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    text = (out / "search-index.js").read_text()
    assert text.startswith("window.TRACKPLAN_INDEX = [") and "<" not in text
    import json

    rows = json.loads(text.removeprefix("window.TRACKPLAN_INDEX = ").rstrip(";\n"))
    assert rows[0][1] == "Clicked</script><script>alert(1)//"


def _released(run_cli: Cli, root: Path, versions: list[str]) -> Path:
    """A repository whose plans/web/plan.yaml held each text in turn, each released."""
    repo = write_files(root, {"plans/web/plan.yaml": versions[0]})
    git(repo, "init", "-q", "-b", "main")
    for number, text in enumerate(versions):
        (repo / "plans/web/plan.yaml").write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"version {number}")
        assert run_cli("release", "--repo", str(repo)).code == 0
    return repo


def _assert_links_land(pages: dict[Path, _Page]) -> None:
    for path, page in pages.items():
        for link in page.links:
            target, _, anchor = link.partition("#")
            file = (path.parent / target).resolve() if target else path
            assert file.is_file(), f"{path}: {link} goes nowhere"
            if anchor and not anchor.startswith("filter:"):  # filter: is the list's state
                assert anchor in pages[file].ids, f"{path}: {link}: no id {anchor!r}"


def test_any_two_versions_compare_on_a_page_of_their_own(run_cli: Cli, tmp_path: Path) -> None:
    head = "plan:\n  id: web\nevents:\n  Signed Up:\n    properties:\n      plan: "
    repo = _released(run_cli, tmp_path / "repo", [
        head + "{type: string}\n  Old Clicked: {}\n",  # 1.0.0
        head + "{type: string}\n      seats: {type: integer}\n  Old Clicked: {}\n",  # 1.1.0
        head + "{type: integer}\n      seats: {type: integer}\n",  # 2.0.0
    ])  # fmt: skip
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    compared = sorted(p.name for p in (out / "plans/web/compare").iterdir())
    assert compared == ["1.0.0...1.1.0.html", "1.0.0...2.0.0.html", "1.1.0...2.0.0.html"]
    page = _Page()
    page.feed((out / "plans/web/compare/1.0.0...2.0.0.html").read_text())
    text = " ".join(" ".join(page.text).split())
    assert "web: 1.0.0 → 2.0.0" in text and "asks for a major version bump" in text
    breaking = text[text.index("Breaking changes (2)") : text.index("Other changes (1)")]
    assert "event 'Old Clicked' was removed" in breaking
    assert "property 'plan' of 'Signed Up' changed type from 'string' to 'integer'" in breaking
    assert "property 'seats' of 'Signed Up' was added" in text[text.index("Other changes") :]
    small = (out / "plans/web/compare/1.0.0...1.1.0.html").read_text()
    assert "minor</strong> version bump" in small and "Breaking" not in small
    # Reachable from each version and from the event's history; every link lands.
    plan = (out / "plans/web/index.html").read_text()
    assert 'href="compare/1.1.0...2.0.0.html">compare with 1.1.0' in plan
    assert 'href="compare/1.0.0...2.0.0.html">compare with 2.0.0' in plan
    assert 'href="compare.html"' in plan
    (event,) = (out / "plans/web/events").iterdir()
    assert re.search(r'href="\.\./compare/1\.1\.0\.\.\.2\.0\.0\.html#e-signed-up-[0-9a-f]{8}"',
                     event.read_text())  # fmt: skip
    _assert_links_land(_pages(out))


def _report(plan: str, checked_on: str, observed: dict[str, dict[str, tuple[int, int]]],
            findings: list[tuple[str, str, int]]) -> str:  # fmt: skip
    import json

    return json.dumps({
        "report": "trackplan-check/1", "plan": plan, "version": "1.0.0", "checked_on": checked_on,
        "observed": {s: {d: {"calls": c, "violating": v} for d, (c, v) in days.items()}
                     for s, days in observed.items()},
        "findings": [{"kind": k, "event": e, "count": n, "level": "violation", "property": "",
                      "lines": [1], "detail": ""} for k, e, n in findings],
    })  # fmt: skip


def test_observed_reports_are_drawn_with_their_numbers(run_cli: Cli, tmp_path: Path) -> None:
    out, reports = tmp_path / "site", tmp_path / "reports"
    write_files(reports, {
        "2026-12-01.json": _report("shop", "2026-12-01", {
            "Order Completed": {"2026-11-30": (40, 2), "undated": (10, 0)},
            "Ordr Completed": {"undated": (3, 3)},
        }, [("datatype-mismatch", "Order Completed", 2), ("unplanned-event", "Ordr Completed", 3)]),
        "week/2026-12-03.json": _report("shop", "2026-12-03", {
            "Order Completed": {"2026-12-03": (25, 5)},
            "Products Searched": {"2026-12-02": (7, 0)},
        }, [("required-property-missing", "Order Completed", 5),
            ("datatype-mismatch", "Order Completed", 1)]),
        "notes.txt": "not a report, not read",
    })  # fmt: skip
    done = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out),
                   "--observed", str(reports))  # fmt: skip
    assert done.code == 0, done.err
    plan = unescape((out / "plans/shop/index.html").read_text())
    bars = dict(re.findall(r'<g class="bar" data-label="([^"]+)" data-value="(\d+)">', plan))
    assert bars == {"planned events": "12", "planned and seen": "2", "planned, never seen": "10",
                    "seen, not planned": "1"}  # fmt: skip
    assert "<title>planned and seen: 2</title>" in plan
    assert re.search(r"<tr><td>Ordr Completed</td><td>3</td><td>2026-12-01</td>"
                     r"<td>2026-12-01</td><td>unplanned-event</td></tr>", plan)  # fmt: skip
    days = re.findall(r"<title>(2026-1[12]-\d\d): (\d+) calls, (\d+) violating</title>", plan)
    assert days == [("2026-11-30", "40", "2"), ("2026-12-01", "13", "3"),
                    ("2026-12-02", "7", "0"), ("2026-12-03", "25", "5")]  # fmt: skip
    assert "Order Completed: 75 calls, first seen 2026-11-30, last seen 2026-12-03" in plan
    (order,) = (out / "plans/shop/events").glob("order-completed-*.html")
    event = unescape(order.read_text())
    kinds = re.findall(r'<g class="bar" data-label="([^"]+)" data-value="(\d+)">', event)
    assert kinds == [("required-property-missing", "5"), ("datatype-mismatch", "3")]
    assert "<dt>Violating calls</dt><dd>7 (9.3 %)</dd>" in event
    (never,) = (out / "plans/shop/events").glob("cart-viewed-*.html")
    assert "Not seen in the 2 reports of" in unescape(never.read_text())
    # A file that is no report stops the catalog, naming it; nothing is written.
    fresh = tmp_path / "fresh"
    for broken, why in [
        ('{"report": "trackplan-check/1", "plan": 3}', "the report names no plan"),
        (_report("shop", "2026-12-01", {"A": {"2026-12-01": (10**400, 0)}}, []), "no counts"),
        (_report("shop", "2026-12-01", {"A": {"2026-12-01": (1, 9)}}, []), "more violating"),
        (_report("shop", "2026-12-01", {"A": {"2026-W48-1": (1, 0)}}, []), "which is no day"),
        (_report("shop", "0001-01-01", {}, []), '"checked_on" is not a date'),
    ]:  # fmt: skip
        (reports / "broken.json").write_text(broken)
        bad = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(fresh),
                      "--observed", str(reports))  # fmt: skip
        assert bad.code == 2 and "broken.json: " in bad.err and why in bad.err, bad.err
        assert not fresh.exists() and "Traceback" not in bad.err
    # A clock set wrong: a day after its report counts on the report's day, the window ends
    # on the last report's day.
    (reports / "broken.json").write_text(_report(
        "shop", "2026-12-03", {"Cart Viewed": {"2036-01-01": (2, 0)}}, []))  # fmt: skip
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(fresh),
                   "--observed", str(reports)).code == 0  # fmt: skip
    skewed = unescape((fresh / "plans/shop/index.html").read_text())
    assert "<title>2026-12-03: 27 calls, 5 violating</title>" in skewed and "2036" not in skewed
    missing = run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(fresh),
                      "--observed", str(tmp_path / "nowhere"))  # fmt: skip
    assert missing.code == 2 and "no such folder" in missing.err


def test_the_map_links_sources_events_kpis_stages_and_consumers(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = write_files(tmp_path / "repo", {"plans/web/plan.yaml": (
        "plan:\n  id: web\n  sources: {web: {platform: web}, api: {platform: server}}\n"
        "  consumers:\n    - {name: Revenue <dashboard>, owner: '@acme/finance', "
        "url: 'https://bi.example/rev'}\n"
        "  objectives:\n    growth:\n      kpis:\n        signups: {events: ['Signed Up']}\n"
        "  lifecycle:\n    - {stage: Activated, events: ['Signed Up']}\n"
        "events:\n  Signed Up:\n    sources: [web]\n    consumers: ['@acme/growth']\n"
        "  Pinged: {sources: [api]}\n")})  # fmt: skip
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    svg = (out / "plans/web/map.html").read_text()
    nodes = dict(
        (unescape(t), unescape(h))
        for h, t in re.findall(r'<a href="([^"]*)" class="node [a-z]+"><title>([^<]*)</title>', svg)
    )
    (signed,) = (p.name for p in (out / "plans/web/events").glob("signed-up-*"))
    assert nodes["Signed Up"] == f"events/{signed}"
    assert nodes["web"] == "index.html#filter:source=web"
    assert nodes["KPI signups (growth)"].startswith("index.html#kpi-")
    assert nodes["stage Activated"] == "index.html#stage-1"
    assert (
        nodes["Revenue <dashboard> (@acme/finance) (reads every event)"] == "https://bi.example/rev"
    )
    assert nodes["@acme/growth"] == "index.html#consumers"
    edges = {
        unescape(t) for t in re.findall(r'<path class="edge"[^>]*><title>([^<]*)</title>', svg)
    }
    assert edges == {"web → Signed Up", "api → Pinged", "Signed Up → KPI signups",
                     "Signed Up → stage Activated", "Signed Up → @acme/growth"}  # fmt: skip
    assert "<dashboard>" not in svg  # escaped
    page = _pages(out)[(out / "plans/web/index.html").resolve()]
    assert "consumers" in page.ids


def test_the_served_catalog_watches_its_folder_of_reports(run_cli: Cli, tmp_path: Path) -> None:
    from bot.config import ConfigError
    from bot.readapi.access import ReadAccess
    from bot.web.app import create_read_app

    repo = _released(run_cli, tmp_path / "repo", [
        "plan:\n  id: web\nevents:\n  Signed Up: {}\n  Pinged: {}\n"])  # fmt: skip
    reports = tmp_path / "reports"
    reports.mkdir()
    client = create_read_app(repo, ReadAccess(), observed=reports).test_client()
    plan = client.get("/plans/web/index.html").get_data(as_text=True)
    assert "From 0 reports" not in plan and 'id="observed"' not in plan  # nothing yet
    (reports / "one.json").write_text(_report(
        "web", "2026-12-01", {"Signed Up": {"2026-12-01": (9, 1)}}, []))  # fmt: skip
    (reports / "junk.json").write_text("{")  # skipped, logged; never a failed page
    plan = unescape(client.get("/plans/web/index.html").get_data(as_text=True))
    assert "From 1 report of" in plan and "<title>2026-12-01: 9 calls, 1 violating</title>" in plan
    (reports / "two.json").write_text(_report(
        "web", "2026-12-02", {"Pinged": {"2026-12-02": (4, 0)}}, []))  # fmt: skip
    plan = unescape(client.get("/plans/web/index.html").get_data(as_text=True))
    assert "From 2 reports of" in plan and 'data-label="planned and seen" data-value="2"' in plan
    try:
        create_read_app(repo, ReadAccess(), observed=tmp_path / "nowhere")
    except ConfigError as exc:
        assert "no such folder" in str(exc)
    else:
        raise AssertionError("a missing folder of reports was accepted")


def test_the_list_counts_the_rows_each_event_page_shows(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    for plan in ("shop", "segment"):
        listed = re.findall(r'<td><a href="events/([^"]+)">.*?<td>(\d+)</td></tr>',
                            (out / "plans" / plan / "index.html").read_text())  # fmt: skip
        assert len(listed) == 12
        for page, count in listed:
            html = (out / "plans" / plan / "events" / page).read_text()
            own = html.split("<h2>Properties</h2>", 1)[1].split("</table>", 1)[0]
            rows = own.count("<tr><td><code>") if "<table" in own else 0
            assert rows == int(count), (plan, page)
            search = re.search(rf'data-search="([^"]*)"[^>]*><td><a href="events/{page}"',
                               (out / "plans" / plan / "index.html").read_text())  # fmt: skip
            assert search is not None
            for name in re.findall(r"<tr><td><code>([^<]+)</code>", own):
                assert unescape(name).lower() in unescape(search[1])  # every row is searched


def test_llms_txt_says_what_the_registry_holds_and_lists_every_event(
    run_cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    short = (out / "llms.txt").read_text()
    assert short.startswith("# Tracking plans\n\n> ") and "2 plans, 24 events" in short
    links = re.findall(r"\]\(([^)]+)\)", short)
    assert "llms-full.txt" in links and all((out / link).is_file() for link in links)
    assert "object-action" in short  # the shop plan's conventions
    full = (out / "llms-full.txt").read_text()
    assert full.count("\n### ") == 24
    assert "- `currency` (string, required): ISO 4217 code, e.g. EUR." in full
    hostile = write_files(tmp_path / "r", {
        "trackplan.yaml": "conventions: {event_name: any, event_grammar: any}\n",
        "plans/web/plan.yaml": "plan:\n  id: web\n  description: \"[click](javascript:x) <b>\"\n"
                               "events:\n  \"# Heading\\n<script>\": {description: \"![i](x)\"}\n",
    })  # fmt: skip
    evil = tmp_path / "evil"
    assert run_cli("catalog", "--repo", str(hostile), "--out", str(evil)).code == 0
    both = (evil / "llms.txt").read_text() + (evil / "llms-full.txt").read_text()
    assert "[click](javascript" not in both and "<b>" not in both and "<script>" not in both
    assert "\n# Heading" not in both and "### \\# Heading \\<script\\>" in both
