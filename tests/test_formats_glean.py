"""Mozilla Glean metrics.yaml: event metrics become events, nothing else is lost silently."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from registry.load.yamlsafe import load_yaml
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
SOURCE = Path(__file__).parent / "fixtures" / "formats" / "glean_metrics.yaml"


def test_event_metrics_become_events_with_their_extra_keys(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("import", "glean", str(SOURCE), "--plan", "firefox", "--repo", str(tmp_path),
                   "--format", "json")  # fmt: skip
    assert done.code == 1, done.err  # the naming lint: Glean names are category.snake_case
    plan = load_yaml((tmp_path / "plans/firefox/plan.yaml").read_bytes()).data
    clicked = plan["events"]["toolbar.button_clicked"]
    assert clicked["owners"] == ["toolbar-team@example.com"]
    assert clicked["deprecated"]["sunset"] == "2027-06-30"  # `expires` as the sunset
    assert clicked["labels"]["bugs"] == "https://bugzilla.mozilla.org/show_bug.cgi?id=1000001"
    assert {n: p["type"] for n, p in clicked["properties"].items()} == {
        "button": "string", "position": "integer", "pinned": "boolean"}  # fmt: skip
    searched = plan["events"]["search.query_submitted"]["properties"]
    assert all(p.get("pii") == "sensitive" for p in searched.values())  # highly_sensitive
    assert not any(p.get("pii") for p in clicked["properties"].values())  # interaction only
    lost = {(loss["kind"], loss["what"]) for loss in done.json()["lost"]}
    assert lost == {("metric", "a counter metric toolbar.clicks"),
                    ("keyword", "expires at version 140")}  # fmt: skip


def test_what_is_not_a_glean_file_is_refused(run_cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "metrics.yaml"
    other.write_text("toolbar:\n  clicked: {type: event}\n")
    done = run_cli("import", "glean", str(other), "--plan", "firefox", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    assert done.code == 2 and "not a Glean metrics.yaml" in done.err and f"{other}:1" in done.err
    assert not (tmp_path / "repo").exists()
    exported = run_cli("export", "glean", "--plan", "firefox", "--repo", str(tmp_path))
    assert exported.code == 2 and "invalid choice: 'glean'" in exported.err  # import only
