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
