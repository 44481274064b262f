"""The catalog in a real headless Chromium: no console errors, search, funnel, links, escaping.

Skipped where there is no Chromium (or Playwright); `.ci/run` installs Debian's chromium.
Screenshots go to $TRACKPLAN_ARTIFACTS/screenshots when set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser import Page, artifacts_dir, browser, chromium_path
from tests.conftest import CliResult, write_files

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no chromium or playwright")
Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVIL = "<script>alert('x')</script> Clicked"


def test_the_examples_catalog_in_a_browser(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    shots = artifacts_dir(tmp_path / "shots")
    with browser() as chromium:
        tab = Page(chromium)
        index = tab.open(out / "index.html")
        assert index.locator("tbody tr").count() == 2
        index.screenshot(path=str(shots / "catalog-index.png"), full_page=True)
        index.goto(index.url)  # a fresh load after the full-page screenshot
        index.click("text=Acme shop")
        plan = tab.page
        plan.wait_for_url("**/plans/shop/index.html")
        rows = plan.locator("#event-list tbody tr")
        assert rows.count() == 12 and plan.locator("#event-list tbody tr:visible").count() == 12
        plan.fill("#q", "refund")  # search narrows the list
        assert plan.locator("#event-list tbody tr:visible").count() == 1
        assert plan.locator("#count").inner_text() == "1 of 12 events"
        plan.fill("#q", "")
        plan.select_option("#owner", "@acme/payments")
        payments = plan.locator("#event-list tbody tr:visible").count()
        assert 0 < payments < 12
        plan.select_option("#owner", "")
        stages = plan.locator("svg .stage text[font-weight='600']").all_text_contents()
        assert stages == ["Browser", "Shopper", "Customer"]  # every stage, in order
        plan.click("#event-list a:text-is('Order Completed')")
        plan.wait_for_url("**/plans/shop/events/order-completed-*.html")
        plan.click("a:text-is('conversion/checkout_completion')")  # event -> its KPI
        plan.wait_for_url("**/plans/shop/index.html#kpi-*")
        kpi = plan.url.rsplit("#", 1)[1]
        assert plan.locator(f"[id='{kpi}']").is_visible()
        assert "checkout_completion" in plan.locator(f"[id='{kpi}']").inner_text()
        plan.click(f"[id='{kpi}'] a:text-is('Checkout Started')")  # KPI -> the event it counts
        plan.wait_for_url("**/plans/shop/events/checkout-started-*.html")
        assert plan.locator("h1").inner_text() == "Checkout Started"
        plan.go_back()
        plan.wait_for_url(f"**/plans/shop/index.html#{kpi}")
        plan.screenshot(path=str(shots / "catalog-plan.png"), full_page=True)
        plan.set_viewport_size({"width": 390, "height": 844})  # a phone
        plan.screenshot(path=str(shots / "catalog-plan-phone.png"), full_page=True)
        width = plan.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, width  # nothing wider than the phone but scrolled tables
        assert tab.errors == [] and tab.dialogs == []


def test_a_hostile_event_name_renders_as_text(run_cli: Cli, tmp_path: Path) -> None:
    plan = (
        f'plan:\n  id: web\nevents:\n  "{EVIL}":\n    description: "<img src=x onerror=alert(2)>"\n'
    )
    settings = (
        "conventions:\n  event_name: any\n  event_grammar: any\n  forbid_dynamic_names: false\n"
    )
    repo = write_files(tmp_path / "r", {"plans/web/plan.yaml": plan, "trackplan.yaml": settings})
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    with browser() as chromium:
        tab = Page(chromium)
        page = tab.open(out / "plans/web/index.html")
        assert page.locator("#event-list tbody tr td a").inner_text() == EVIL
        page.click("#event-list tbody tr td a")
        page.wait_for_url("**/plans/web/events/*.html")
        assert page.locator("h1").inner_text() == EVIL
        page.screenshot(path=str(artifacts_dir(tmp_path / "shots") / "catalog-hostile.png"))
        assert tab.dialogs == []  # no script of the plan ran
        assert tab.errors == []


def test_columns_sort_and_a_filtered_view_survives_a_reload(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    with browser() as chromium:
        tab = Page(chromium)
        plan = tab.open(out / "plans/shop/index.html")
        names = "#event-list tbody tr td:first-child a"
        plan.click("#event-list thead th:nth-child(6) button")  # Properties, ascending
        counts = [int(t) for t in plan.locator("#event-list tbody td:nth-child(6)")
                  .all_text_contents()]  # fmt: skip
        assert counts == sorted(counts) and len(set(counts)) > 1
        assert plan.locator("#event-list thead th:nth-child(6)").get_attribute(
            "aria-sort") == "ascending"  # fmt: skip
        plan.click("#event-list thead th:nth-child(1) button")
        plan.click("#event-list thead th:nth-child(1) button")  # Event, descending
        shown = plan.locator(names).all_text_contents()
        assert shown == sorted(shown, key=str.lower, reverse=True)
        plan.fill("#q", "refund")
        assert plan.evaluate("location.hash") == "#filter:q=refund", (plan.url, tab.errors)
        plan.reload()
        assert plan.locator("#q").input_value() == "refund"
        assert plan.locator("#event-list tbody tr:visible").count() == 1
        page = tab.open(out / "plans/shop/index.html")
        page.click("#event-list a:text-is('Order Completed')")
        page.wait_for_url("**/events/order-completed-*.html")
        cells = page.locator("table tbody td:first-child code").all_text_contents()
        assert "products[].product_id" in cells  # items of an array, as `check` writes them
        assert page.locator("h2:text-is('Common properties')").count() == 1
        shots = artifacts_dir(tmp_path / "shots")
        page.locator("#send").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "catalog-event-send.png"), full_page=True)
        plan.screenshot(path=str(shots / "catalog-plan-filtered.png"), full_page=True)
        assert tab.errors == [] and tab.dialogs == []


def test_one_search_finds_events_of_every_plan(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out)).code == 0
    with browser() as chromium:
        tab = Page(chromium)
        index = tab.open(out / "index.html")
        index.fill("#everywhere", "destination")  # only the segment plan has them
        index.wait_for_selector("#results li")
        found = index.locator("#results li a").all_text_contents()
        assert "Enabled Destination" in found and "Order Completed" not in found
        index.fill("#everywhere", "refund")  # and one of the shop plan
        index.wait_for_function("document.querySelectorAll('#results li').length === 1")
        assert index.locator("#results li a").all_text_contents() == ["Order Refunded"]
        index.screenshot(path=str(artifacts_dir(tmp_path / "shots") / "catalog-search.png"),
                         full_page=True)  # fmt: skip
        index.click("#results li a")
        index.wait_for_url("**/plans/shop/events/order-refunded-*.html")
        assert tab.errors == [] and tab.dialogs == []


def test_two_versions_compared_in_a_browser(run_cli: Cli, tmp_path: Path) -> None:
    from tests.test_catalog import _released

    head = "plan:\n  id: web\nevents:\n  Signed Up:\n    properties:\n      plan: "
    repo = _released(run_cli, tmp_path / "repo", [
        head + "{type: string}\n  Old Clicked: {}\n",
        head + "{type: string}\n      seats: {type: integer}\n  Old Clicked: {}\n",
        head + "{type: integer}\n      seats: {type: integer}\n",
    ])  # fmt: skip
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    shots = artifacts_dir(tmp_path / "shots")
    with browser() as chromium:
        tab = Page(chromium)
        plan = tab.open(out / "plans/web/index.html")
        plan.click("#v2\\.0\\.0 a:text-is('compare with 1.1.0')")
        plan.wait_for_url("**/compare/1.1.0...2.0.0.html")
        said = plan.locator("ol.changes li strong").all_text_contents()
        assert said == [
            "event 'Old Clicked' was removed",
            "property 'plan' of 'Signed Up' changed type from 'string' to 'integer'",
        ]
        plan.click("a:text-is('Compare other versions')")  # the picker: any pair
        plan.wait_for_url("**/plans/web/compare.html")
        plan.select_option("#from", "1.0.0")
        plan.select_option("#to", "2.0.0")
        plan.click("#go")
        plan.wait_for_url("**/compare/1.0.0...2.0.0.html")
        groups = plan.locator("h2").all_text_contents()
        assert groups == ["Breaking changes (2)", "Other changes (1)"]
        plan.screenshot(path=str(shots / "catalog-compare.png"), full_page=True)
        plan.click("a:text-is('Signed Up')")  # a change links to its event...
        plan.wait_for_url("**/events/signed-up-*.html")
        plan.click("a:text-is('compare with 1.1.0')")  # ...whose history links back to it
        plan.wait_for_url("**/compare/1.1.0...2.0.0.html#e-signed-up-*")
        assert plan.locator(":target strong").inner_text().startswith("property 'plan'")
        plan.set_viewport_size({"width": 390, "height": 844})
        assert plan.evaluate("document.documentElement.scrollWidth") <= 391
        assert tab.errors == [] and tab.dialogs == []


def test_observed_data_and_the_map_in_a_browser(run_cli: Cli, tmp_path: Path) -> None:
    from tests.test_catalog import _report

    reports = write_files(tmp_path / "reports", {
        "a.json": _report("shop", "2026-12-01", {
            "Order Completed": {"2026-11-30": (40, 2), "2026-12-01": (12, 0)},
            "Ordr Completed": {"undated": (3, 3)},
        }, [("datatype-mismatch", "Order Completed", 2), ("unplanned-event", "Ordr Completed", 3)]),
        "b.json": _report("shop", "2026-12-02", {"Cart Viewed": {"2026-12-02": (5, 1)}},
                          [("required-property-missing", "Cart Viewed", 1)]),
    })  # fmt: skip
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(EXAMPLES / "acme"), "--out", str(out),
                   "--observed", str(reports)).code == 0  # fmt: skip
    shots = artifacts_dir(tmp_path / "shots")
    with browser() as chromium:
        tab = Page(chromium)
        plan = tab.open(out / "plans/shop/index.html")
        bars = plan.locator("#observed ~ svg g.bar title").all_text_contents()[:4]
        assert bars == ["planned events: 12", "planned and seen: 2", "planned, never seen: 10",
                        "seen, not planned: 1"]  # fmt: skip
        days = plan.locator("svg g.day title").all_text_contents()
        assert days == ["2026-11-30: 40 calls, 2 violating", "2026-12-01: 15 calls, 3 violating",
                        "2026-12-02: 5 calls, 1 violating"]  # fmt: skip
        plan.locator("#observed").scroll_into_view_if_needed()
        plan.screenshot(path=str(shots / "catalog-observed-plan.png"), full_page=True)
        plan.fill("#q", "product")  # a search, then a bar: the bar's view replaces it whole
        plan.click("svg a:has-text('planned, never seen')")  # a bar is a filter of the list
        plan.wait_for_function("document.getElementById('seen').value === 'no'")
        assert plan.locator("#q").input_value() == ""
        assert plan.locator("#count").inner_text() == "10 of 12 events"
        sparks = plan.locator("#event-list tr:visible svg.spark title").all_text_contents()
        assert sparks == []  # the rows shown were never seen
        plan.select_option("#seen", "yes")
        sparks = plan.locator("#event-list tr:visible svg.spark title").all_text_contents()
        assert sorted(sparks) == [
            "Cart Viewed: 5 calls, first seen 2026-12-02, last seen 2026-12-02",
            "Order Completed: 52 calls, first seen 2026-11-30, last seen 2026-12-01",
        ]
        plan.click("svg a:has-text('planned events')")  # every event again
        plan.wait_for_function("document.getElementById('seen').value === ''")
        assert plan.locator("#count").inner_text() == "12 of 12 events"
        plan.evaluate("location.hash = '#filter:q=%E0%A4%A'")  # not text: ignored, no error
        plan.wait_for_function("document.getElementById('q').value === ''")
        plan.select_option("#seen", "yes")
        plan.click("#event-list a:text-is('Order Completed')")
        plan.wait_for_url("**/events/order-completed-*.html")
        kinds = plan.locator("svg g.bar title").all_text_contents()
        assert kinds == ["datatype-mismatch: 2"]
        plan.screenshot(path=str(shots / "catalog-observed-event.png"), full_page=True)
        plan.set_viewport_size({"width": 390, "height": 844})
        assert plan.evaluate("document.documentElement.scrollWidth") <= 391
        page = tab.open(out / "plans/shop/map.html")
        page.screenshot(path=str(shots / "catalog-map.png"), full_page=True)
        assert page.locator("svg a.node.event").count() == 12
        page.click("svg a.node.target:has-text('KPI refund_rate')")
        page.wait_for_url("**/plans/shop/index.html#kpi-*")
        page = tab.open(out / "plans/shop/map.html")
        page.click("svg a.node.event:has-text('Order Refunded')")
        page.wait_for_url("**/events/order-refunded-*.html")
        assert tab.errors == [] and tab.dialogs == []


def test_a_long_event_list_is_paged(run_cli: Cli, tmp_path: Path) -> None:
    from tests.codegen_kit import synthetic_registry

    repo = write_files(tmp_path / "r", synthetic_registry(450, 2, per_file=200))
    out = tmp_path / "site"
    assert run_cli("catalog", "--repo", str(repo), "--out", str(out)).code == 0
    with browser() as chromium:
        tab = Page(chromium)
        plan = tab.open(out / "plans/big/index.html")
        visible = "#event-list tbody tr:visible"
        assert plan.locator(visible).count() == 200
        assert plan.locator("#page-said").inner_text() == "1\u2013200 of 450"
        plan.click("#next")
        plan.click("#next")
        assert plan.locator("#page-said").inner_text() == "401\u2013450 of 450"
        assert plan.locator(visible).count() == 50 and plan.locator("#next").is_disabled()
        plan.fill("#q", "thing 44")  # every word, in every event, not only the page shown
        assert plan.locator("#count").inner_text() == "14 of 450 events"  # 44, 144, 440-449...
        assert plan.locator("#page-said").inner_text() == "1\u201314 of 14"
        plan.fill("#q", "")
        plan.click("#event-list thead th:nth-child(1) button")
        plan.click(
            "#event-list thead th:nth-child(1) button"
        )  # descending (numbers as numbers), page 1
        first = plan.locator(f"{visible} td:first-child a").first.inner_text()
        assert first == "Thing 449 Viewed" and plan.locator("#page-said").inner_text().startswith(
            "1\u2013"
        )
        assert tab.errors == [] and tab.dialogs == []
