"""The read API: released versions served from git tags, with ETags and caching."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from bot.app import create_read_app
from tests.conftest import CliResult
from tests.test_release import PLAN, V1, commit, make_history

Cli = Callable[..., CliResult]


def released_repo(run_cli: Cli, root: Path) -> Path:
    repo = make_history(root)
    run_cli("release", "--repo", str(repo))
    commit(repo, "Add method", {PLAN: V1 + "      method: {type: string}\n"})
    run_cli("release", "--repo", str(repo))
    return repo


def test_plans_versions_and_artifacts(run_cli: Cli, tmp_path: Path) -> None:
    client = create_read_app(released_repo(run_cli, tmp_path / "repo")).test_client()
    plans = client.get("/v1/plans").get_json()
    assert plans == {"plans": [{"id": "web", "latest": "1.1.0", "versions": 2}]}
    assert client.get("/v1/plans/web/versions").get_json() == {
        "plan": "web", "versions": ["1.0.0", "1.1.0"]
    }  # fmt: skip
    plan = client.get("/v1/plans/web/versions/1.0.0")
    assert plan.status_code == 200
    assert plan.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plan.get_json()["version"] == "1.0.0"
    again = client.get(
        "/v1/plans/web/versions/1.0.0", headers={"If-None-Match": plan.headers["ETag"]}
    )
    assert again.status_code == 304
    latest = client.get("/v1/plans/web/versions/latest?format=schema")
    assert latest.headers["X-Trackplan-Version"] == "1.1.0"
    assert latest.headers["Cache-Control"] == "no-cache"
    schema = latest.get_json()
    assert jsonschema.Draft202012Validator(schema).is_valid(
        {"event": "Signup", "properties": {"type": "organic", "app_version": "2.0.0"}}
    )
    changelog = client.get("/v1/plans/web/versions/1.1.0?format=changelog")
    assert changelog.data.decode().startswith("# web 1.1.0")


def test_unknown_plan_or_version_is_a_json_404(run_cli: Cli, tmp_path: Path) -> None:
    client = create_read_app(released_repo(run_cli, tmp_path / "repo")).test_client()
    missing = client.get("/v1/plans/mobile/versions")
    assert missing.status_code == 404 and missing.get_json() == {"error": "unknown plan 'mobile'"}
    version = client.get("/v1/plans/web/versions/9.9.9")
    assert version.status_code == 404
    assert version.get_json()["versions"] == ["1.0.0", "1.1.0"]
    assert client.get("/v1/plans/web/versions/1.0.0?format=xml").status_code == 400
    assert client.get("/v1/nothing").status_code == 404


def test_pull_from_the_read_api_over_http(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from werkzeug.serving import make_server

    app = create_read_app(released_repo(run_cli, tmp_path / "repo"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.chdir(tmp_path)
        url = f"http://127.0.0.1:{server.server_port}"
        result = run_cli("pull", "web@~1.0", "--from", url)
        assert result.code == 0, result.err
        assert result.out.startswith("web 1.0.0 -> trackplan-plans/web (4 files)")
        sums = (tmp_path / "trackplan-plans/web/SHA256SUMS").read_text()
        assert "web-1.0.0.plan.json" in sums
        frozen = run_cli("pull", "web@~1.0", "--from", url, "--frozen")
        assert frozen.code == 0, frozen.err
        missing = run_cli("pull", "web@^5", "--from", url)
        assert missing.code == 1 and "released: 1.0.0, 1.1.0" in missing.err
    finally:
        server.shutdown()
