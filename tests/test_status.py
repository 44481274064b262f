"""`trackplan status` on small apps written for the tests, one per language: generated
calls, direct SDK calls, a renamed event still sent, dynamic names, look-alikes in comments
and strings that must not count, and property typos — held against examples/acme."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
ACME = Path(__file__).resolve().parents[1] / "examples" / "acme"

APPS: dict[str, dict[str, str]] = {
    "typescript": {
        "src/app.tsx": """import { createTracker } from "./tracking/shop";
const tracker = createTracker({ track: (event, props) => analytics.track(event, props) });
export const Buy = () => <button onClick={() => tracker.trackCartViewed({ cart_id: "c1", cart_idd: 2 })} />;
analytics.track("Signup", { method: "email" });
analytics.track(`Order ${step}`);
// analytics.track("Commented Out");
const hint = 'analytics.track("In A String")';
window.analytics.track("Debugger Call Expanded", { source_id: "s1" });
other.track("Not An SDK Call");
"""
    },
    "python": {
        "app/views.py": """import analytics
from tracking.shop import Tracker

def buy(user, tracker: Tracker):
    tracker.track_cart_viewed({"cart_id": "c1", "cart_idd": 2})
    analytics.track(user.id, "Signup", {"method": "email"})
    analytics.track(user.id, f"Order {step}")
    # analytics.track(user.id, "Commented Out")
    hint = 'analytics.track(user.id, "In A String")'
    posthog.capture("Debugger Call Expanded", distinct_id=user.id)
    other.track(user.id, "Not An SDK Call")
"""
    },
    "kotlin": {
        "app/Checkout.kt": """package app

fun buy(tracker: ShopTracking.Tracker, step: String) {
    tracker.trackCartViewed(CartViewed(cartId = "c1"))
    analytics.track("Signup", mapOf("method" to "email", "metod" to 1))
    analytics.track("Order ${step}")
    // analytics.track("Commented Out")
    val hint = "analytics.track(\\"In A String\\")"
    PostHog.capture(event = "Debugger Call Expanded")
    other.track("Not An SDK Call")
    analytics.track("Products Searched", mapOf("qurey" to "socks"))
}
"""
    },
    "swift": {
        "App/Checkout.swift": """func buy(tracker: ShopTracking.Tracker, step: String) {
    tracker.trackCartViewed(.init(cartId: "c1"))
    analytics.track(name: "Signup", properties: ["method": "email", "metod": 1])
    analytics.track(name: "Order \\(step)")
    // analytics.track(name: "Commented Out")
    let hint = "analytics.track(name: \\"In A String\\")"
    Mixpanel.mainInstance().track(event: "Debugger Call Expanded")
    other.track(name: "Not An SDK Call")
    analytics.track(name: "Products Searched", properties: ["qurey": "socks"])
}
"""
    },
    "java": {
        "src/main/java/app/Checkout.java": """package app;

class Checkout {
    void buy(ShopTracking.Tracker tracker, String step) {
        tracker.trackCartViewed(ShopTracking.CartViewedProperties.builder("c1").build());
        analytics.track("Signup", Map.of("method", "email", "metod", 1));
        analytics.track("Order " + step);
        // analytics.track("Commented Out");
        String hint = "analytics.track(\\"In A String\\")";
        Amplitude.getInstance().logEvent("Debugger Call Expanded");
        other.track("Not An SDK Call");
        analytics.track("Products Searched", Map.of("qurey", "socks"));
    }
}
"""
    },
    "go": {
        "app/checkout.go": """package app

func Buy(tracker *shop.Tracker, step string) {
	tracker.TrackCartViewed(shop.CartViewed{CartID: "c1"})
	client.Enqueue(analytics.Track{Event: "Signup", Properties: map[string]any{"method": "email", "metod": 1}})
	client.Enqueue(analytics.Track{Event: "Order " + step})
	// client.Enqueue(analytics.Track{Event: "Commented Out"})
	hint := "analytics.Track{Event: \\"In A String\\"}"
	client.Enqueue(posthog.Capture{Event: "Debugger Call Expanded"})
	other.Track("Not An SDK Call")
	client.Enqueue(analytics.Track{Event: "Products Searched", Properties: map[string]any{"qurey": "socks"}})
}
"""
    },
}


def released_app(tmp_path: Path) -> Path:
    """An app repository that pulled plan web 2.0.0 (Signup renamed to Signed Up) into its
    trackplan.lock, and still sends the old name."""
    import os

    from tests.test_pull import PLAN, V1, commit, make_history
    from trackplan.cli import main

    repo = make_history(tmp_path / "registry")
    assert main(["release", "--repo", str(repo)]) == 0
    renamed = V1.replace("  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n")
    commit(repo, "Rename", {PLAN: renamed})
    assert main(["release", "--repo", str(repo)]) == 0
    app = write_files(tmp_path / "app", {"src/signup.ts": (
        'analytics.track("Signup", { type: "organic", app_version: "1.0.0" });\n')})  # fmt: skip
    here = os.getcwd()
    try:
        os.chdir(app)
        assert main(["pull", "web@latest", "--from", str(repo)]) == 0
    finally:
        os.chdir(here)
    return app


def test_an_app_is_held_against_the_versions_its_lock_pins(
    run_cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = released_app(tmp_path)
    capsys.readouterr()  # what releasing and pulling printed
    monkeypatch.chdir(app)
    done = run_cli("status", "src", "--lock", "--format", "json")
    assert done.code == 1, (done.out, done.err)
    [old] = done.json()["findings"]["unplanned"]
    assert (old["event"], old["renamed_to"], old["line"]) == ("Signup", "Signed Up", 1)
    assert done.json()["plans"][0]["version"] == "2.0.0"
    # In an app's repository the lock is the default source.
    assert run_cli("status", "src", "--format", "json").json() == done.json()


def _status(run_cli: Cli, root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_cli("status", str(root), "--repo", str(ACME), "--format", "json", *args)
    assert done.code in (0, 1), done.err
    return done.code, done.json()


def _where(findings: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted((Path(f["file"]).name, f["line"]) for f in findings)


@pytest.mark.parametrize("language", sorted(APPS))
def test_each_language_is_held_against_the_plan(
    language: str, run_cli: Cli, tmp_path: Path
) -> None:
    app = write_files(tmp_path / "app", APPS[language])
    code, data = _status(run_cli, app)
    found = data["findings"]
    assert code == 1  # an unplanned (renamed) event is sent
    # The renamed event, said as such; nothing from the comment, the string or other.track.
    [unplanned] = found["unplanned"]
    assert unplanned["event"] == "Signup" and unplanned["renamed_to"] == "Signed Up"
    assert "still sends the old name of 'Signed Up'" in unplanned["message"]
    assert [f["call"] for f in found["dynamic"] if f["line"] > 3] != []  # the built name
    names = {f.get("event") for kind in found.values() for f in kind}
    assert not names & {"Commented Out", "In A String", "Not An SDK Call"}
    # The generated call counts: Cart Viewed is called; the deprecated event is flagged.
    called = {f["event"] for f in found["planned_never_called"]}
    assert "Cart Viewed" not in called and "Product Viewed" in called
    [deprecated] = found["deprecated_called"]
    assert deprecated["event"] == "Debugger Call Expanded" and deprecated["sunset"] == "2027-06-30"
    # Property keys written as literals: the typo is drift, with the planned key it meant.
    typos = {(f["event"], f["property"], f.get("closest")) for f in found["property_drift"]
             if f["problem"] == "unknown"}  # fmt: skip
    if language in ("typescript", "python"):
        assert ("Cart Viewed", "cart_idd", "cart_id") in typos
    else:  # typed Trackers: their compilers check keys; the SDK call's literal map is read
        assert ("Products Searched", "qurey", "query") in typos
    assert data["summary"]["unplanned"] == 1


def test_a_dynamic_name_is_counted_with_its_place_never_guessed(
    run_cli: Cli, tmp_path: Path
) -> None:
    app = write_files(tmp_path / "app", APPS["typescript"])
    _, data = _status(run_cli, app)
    assert _where(data["findings"]["dynamic"]) == [("app.tsx", 2), ("app.tsx", 5)]


def test_an_unplanned_typo_names_the_closest_event_and_fails(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {"a.py": (
        'analytics.track(uid, "Order Complete", {"order_id": "o1"})\n'
        'analytics.track(uid, "Products Searched", {"query": "socks"})\n'
    )})  # fmt: skip
    code, data = _status(run_cli, app, "--plan", "shop")
    assert code == 1
    [typo] = data["findings"]["unplanned"]
    assert (typo["event"], typo["closest"], typo["line"]) == (
        "Order Complete",
        "Order Completed",
        1,
    )
    assert data["plans"] == [{"plan": "shop", "version": "0.0.0-unreleased", "events": 12,
                              "called": 1}]  # fmt: skip
    # Planned-never-called alone is a warning: it fails only with --fail-on warning.
    clean = write_files(tmp_path / "clean", {"a.py": 'analytics.track(u, "Products Searched")\n'})
    assert _status(run_cli, clean, "--plan", "shop")[0] == 0
    assert _status(run_cli, clean, "--plan", "shop", "--fail-on", "warning")[0] == 1


def test_required_properties_left_out_of_a_literal_are_drift(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {"a.js": (
        'analytics.track("Products Searched", { results: 3 });\n'
        'analytics.track("Products Searched", { results: 3, ...more });\n'
    )})  # fmt: skip
    _, data = _status(run_cli, app, "--plan", "shop")
    drift = [(f["line"], f["property"], f["problem"]) for f in data["findings"]["property_drift"]]
    assert drift == [(1, "query", "missing-required")]  # the spread may carry it: not said


def test_stale_generated_code_is_found_by_its_header(run_cli: Cli, tmp_path: Path) -> None:
    app = tmp_path / "app"
    done = run_cli("generate", "--lang", "python", "--repo", str(ACME), "--plan", "shop",
                   "--out", str(app / "tracking"))  # fmt: skip
    assert done.code == 0, done.err
    _, data = _status(run_cli, app, "--plan", "shop")
    assert data["findings"]["stale_generated"] == []
    (generated,) = (app / "tracking").glob("*.py")
    generated.write_text(generated.read_text().replace("Cart Viewed", "Cart Seen"))
    code, data = _status(run_cli, app, "--plan", "shop")
    [stale] = data["findings"]["stale_generated"]
    assert code == 1 and stale["file"].endswith(generated.name) and stale["language"] == "python"


def test_status_calls_in_trackplan_yaml_name_more_tracking_calls(
    run_cli: Cli, tmp_path: Path
) -> None:
    app = write_files(tmp_path / "app", {
        "trackplan.yaml": "status:\n  calls:\n    - call: telemetry.emit\n      event: [name, 0]\n"
                          "      properties: 1\n  exclude: ['legacy']\n",
        "src/a.ts": 'telemetry.emit("Order Complete", {});\n',
        "legacy/b.ts": 'analytics.track("Ghost Event", {});\n',
    })  # fmt: skip
    _, data = _status(run_cli, app, "--plan", "shop")
    assert [(f["event"], f["call"]) for f in data["findings"]["unplanned"]] == [
        ("Order Complete", "telemetry.emit")]  # fmt: skip


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_every_format_names_the_calling_line(fmt: str, run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {"a.ts": '\nanalytics.track("Order Complete", {});\n'})
    done = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format", fmt)
    assert done.code == 1
    line = next(x for x in done.out.splitlines() if "Order Complete'" in x)
    if fmt == "github":
        assert line.startswith("::error file=") and ",line=2," in line
    else:
        assert "a.ts:2:1" in line


def test_a_missing_path_or_plan_is_a_usage_error(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("status", str(tmp_path / "nope"), "--repo", str(ACME))
    assert done.code == 2 and "no such file or folder" in done.err
    done = run_cli("status", str(tmp_path), "--repo", str(ACME), "--plan", "ghost")
    assert done.code == 2


def test_a_large_tree_read_in_several_processes_reports_what_one_process_does(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.status.scan as scanning

    files = {f"src/m{i:04d}.ts": f'analytics.track("{"Order Complete" if i % 7 else "Cart Viewed"}",'
             f' {{ n: {i} }});\n' for i in range(1200)}  # fmt: skip
    app = write_files(tmp_path / "app", files)
    parallel = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format",
                       "json")  # fmt: skip
    monkeypatch.setattr(scanning, "MAX_WORKERS", 1)
    single = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format",
                     "json")  # fmt: skip
    assert parallel.out == single.out
    data = parallel.json()
    assert data["files"] == 1200 and data["summary"]["unplanned"] == 1200 - 172
    lines = [f["file"] for f in data["findings"]["unplanned"]]
    assert lines == sorted(lines)  # in file order, whoever read them


def test_hostile_sources_are_read_or_skipped_never_a_traceback(
    run_cli: Cli, tmp_path: Path
) -> None:
    app = write_files(tmp_path / "app", {
        # Literals and callee chains thousands deep are cut at a fixed depth: the same
        # report whatever the interpreter's recursion limit.
        "deep.ts": 'analytics.track("A", ' + "{a: " * 3000 + "1" + "}" * 3000 + ");\n",
        "long.py": "x = " + "a." * 5000 + 'track(u, "Order Completed")\n',
        "binary.js": b"\x00\xff\xfeanalytics.track(\x00\x01",
        "ok.ts": 'analytics.track("Order Complete", {});\n',
    })  # fmt: skip
    done = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format", "json")
    assert done.code == 1, done.err
    assert [(f["file"].rsplit("/", 1)[-1], f["event"]) for f in done.json()["findings"][
        "unplanned"]] == [("deep.ts", "A"), ("ok.ts", "Order Complete")]  # fmt: skip
    assert done.json()["skipped"] == [] and done.json()["files"] == 4


def test_a_symlink_loop_a_go_event_bus_and_nested_map_keys_never_trouble_the_scan(
    run_cli: Cli, tmp_path: Path
) -> None:
    """A symlink to itself is skipped (Python 3.11 raised RuntimeError resolving it); an
    event bus's `NewEvent("user.created", p)` and CloudEvents' `NewEvent("1.0")` are not
    mixpanel-go's `client.NewEvent(name, distinctID, properties)`; Go map literals nested
    through their keys are read in time linear in their size (it doubled per level)."""
    import os

    nested = "1"
    for _ in range(40):
        nested = "map[K]int{" + nested + ": 1}"
    app = write_files(tmp_path / "app", {
        "ok.ts": 'analytics.track("Order Complete", {});\n',
        "bus.go": ("package bus\n\nfunc Publish() {\n\t_ = eventbus.NewEvent(\"user.created\", "
                   "p)\n\t_ = cloudevents.NewEvent(\"1.0\")\n\t_ = mp.NewEvent(\"Order Sent\", "
                   "uid, props)\n}\n"),
        "keys.go": "package a\n\nfunc f() { g(" + nested + ") }\n",
    })  # fmt: skip
    os.symlink("self.ts", app / "self.ts")
    done = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format", "json")
    assert done.code == 1 and "Traceback" not in done.err, done.err
    assert "self.ts: Too many levels of symbolic links" in done.err
    assert sorted(f["event"] for f in done.json()["findings"]["unplanned"]) == [
        "Order Complete", "Order Sent"]  # fmt: skip


def test_identify_traits_typos_and_traits_never_sent(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {"a.ts": (
        'tracker.identify("u1", { email: "a@b.c", nme: "A" });\n'
        'analytics.identify("u2", { email: "d@e.f", login: "d" });\n'
    )})  # fmt: skip
    _, data = _status(run_cli, app, "--plan", "segment")
    found = data["findings"]
    assert [(f["line"], f["property"], f.get("event")) for f in found["property_drift"]] == [
        (1, "nme", "$identify")]  # fmt: skip
    never = sorted(f.get("trait", f["event"]) for f in found["planned_never_called"]
                   if f["event"].startswith("$"))  # fmt: skip
    # name and created_at are sent by no call; group is never called at all.
    assert never == ["$group", "created_at", "name"]


def _found(run_cli: Cli, app: Path, *args: str) -> dict[str, Any]:
    return _status(run_cli, app, "--plan", "segment", *args)[1]["findings"]


def test_literals_read_as_each_language_reads_them(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {
        "a.kt": 'fun f() {\n  analytics.track("Sign\\u0075p")\n  analytics.track("Sign$x")\n'
                '  analytics.track("""Signup""")\n}\n',
        "b.swift": 'analytics.track(name: """\n    Signup\n    """)\n',
        "c.py": 'analytics.track(u, "Sign\\\nup")\nanalytics.track(u, f"Sign{{up}}")\n'
                'analytics.track(u, "Sign\\165p")\n',
        "d.js": "trackSelfDescribingEvent(payload);\n",
    })  # fmt: skip
    found = _found(run_cli, app)
    old = sorted((Path(f["file"]).name, f["line"]) for f in found["unplanned"]
                 if f["event"] == "Signup")  # fmt: skip
    assert old == [("a.kt", 2), ("a.kt", 4), ("b.swift", 1), ("c.py", 1), ("c.py", 4)]
    assert [f["event"] for f in found["unplanned"] if f["event"] != "Signup"] == ["Sign{up}"]
    dynamic = sorted((Path(f["file"]).name, f["line"]) for f in found["dynamic"])
    assert dynamic == [("a.kt", 3), ("d.js", 1)]


def test_javascript_calls_the_typescript_tracker(run_cli: Cli, tmp_path: Path) -> None:
    app = write_files(tmp_path / "app", {"a.js": 'tracker.trackCartViewed({ cart_idd: "c" });\n'})
    _, data = _status(run_cli, app, "--plan", "shop")
    assert data["calls"] == 1
    assert [f["property"] for f in data["findings"]["property_drift"]] == ["cart_idd", "cart_id"]


def test_an_event_of_several_plans_is_held_against_the_one_it_fits(
    run_cli: Cli, tmp_path: Path
) -> None:
    registry = write_files(tmp_path / "registry", {
        "plans/a/plan.yaml": "plan: {id: a}\nevents:\n  Page Viewed:\n    properties:\n"
                             "      title: {type: string, required: true}\n",
        "plans/b/plan.yaml": "plan: {id: b}\nevents:\n  Page Viewed:\n    properties:\n"
                             "      kind: {type: string}\n",
    })  # fmt: skip
    app = write_files(
        tmp_path / "app", {"a.ts": 'analytics.track("Page Viewed", { kind: "x" });\n'}
    )
    done = run_cli("status", str(app), "--repo", str(registry), "--format", "json")
    assert done.json()["findings"]["property_drift"] == []


def test_the_apps_own_settings_are_checked_and_its_excludes_are_its_own(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = write_files(tmp_path / "app", {
        "trackplan.yaml": "status:\n  exclude: [src/legacy/*]\n",
        "src/legacy/old.ts": 'analytics.track("Ghost", {});\n',
        "src/new.ts": 'analytics.track("Order Complete", {});\n',
    })  # fmt: skip
    monkeypatch.chdir(tmp_path)  # the patterns hold from the folder of their trackplan.yaml
    _, data = _status(run_cli, Path("app"), "--plan", "shop")
    assert [f["event"] for f in data["findings"]["unplanned"]] == ["Order Complete"]
    (app / "trackplan.yaml").write_text("status:\n  exclud: [x]\n")
    done = run_cli("status", "app", "--repo", str(ACME))
    assert done.code == 2 and "trackplan.yaml:2" in done.err and "exclud" in done.err


def test_each_file_is_read_once_and_what_is_not_a_file_never_blocks(
    run_cli: Cli, tmp_path: Path
) -> None:
    import os

    app = write_files(
        tmp_path / "app", {"a.ts": 'const ééé = analytics.track("Order Complete");\n'}
    )
    os.mkfifo(app / "pipe.ts")
    done = run_cli("status", str(app), str(app / "a.ts"), str(app), "--repo", str(ACME),
                   "--plan", "shop", "--format", "json")  # fmt: skip
    [typo] = done.json()["findings"]["unplanned"]
    assert typo["column"] == 13  # characters, as editors and GitHub count them
    assert done.json()["files"] == 1 and "pipe.ts: not a regular file" in done.err


def test_a_crlf_checkout_of_generated_code_is_not_stale(run_cli: Cli, tmp_path: Path) -> None:
    app = tmp_path / "app"
    done = run_cli("generate", "--lang", "typescript", "--repo", str(ACME), "--plan", "shop",
                   "--out", str(app / "tracking"))  # fmt: skip
    assert done.code == 0, done.err
    (generated,) = (app / "tracking").glob("*.ts")
    generated.write_bytes(generated.read_bytes().replace(b"\n", b"\r\n"))
    _, data = _status(run_cli, app, "--plan", "shop")
    assert data["findings"]["stale_generated"] == []


def test_generated_code_of_a_plan_not_checked_is_named(run_cli: Cli, tmp_path: Path) -> None:
    app = tmp_path / "app"
    done = run_cli("generate", "--lang", "go", "--repo", str(ACME), "--plan", "segment",
                   "--out", str(app / "tracking"))  # fmt: skip
    assert done.code == 0, done.err
    done = run_cli("status", str(app), "--repo", str(ACME), "--plan", "shop", "--format", "json")
    assert "generated from plan 'segment', which is not among the plans checked" in done.err
    assert done.json()["findings"]["stale_generated"] == []
