"""The read API: released versions served from git tags, with ETags and caching."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from bot.web.app import create_read_app
from tests.conftest import CliResult
from tests.test_release import PLAN, V1, commit, make_history
from tests.test_snapshot import git

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
    assert plan.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert plan.get_json()["version"] == "1.0.0"
    again = client.get(
        "/v1/plans/web/versions/1.0.0", headers={"If-None-Match": plan.headers["ETag"]}
    )
    assert again.status_code == 304
    latest = client.get("/v1/plans/web/versions/latest?format=schema")
    assert latest.headers["X-Trackplan-Version"] == "1.1.0"
    assert latest.headers["Cache-Control"] == "private, no-cache"
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


def test_a_folder_that_is_no_git_repository_gets_503_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    client = create_read_app(tmp_path / "plain").test_client()
    for url in ("/v1/plans", "/v1/plans/web/versions", "/v1/plans/web/versions/latest"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "not a git repository" in response.get_json()["error"]
        assert str(tmp_path / "plain") in response.get_json()["error"]


def test_broken_tags_are_skipped_and_latest_still_served(run_cli: Cli, tmp_path: Path) -> None:
    repo = released_repo(run_cli, tmp_path / "repo")
    (repo / "note.txt").write_text("not a commit\n")
    blob = git(repo, "hash-object", "-w", "note.txt").strip()
    (repo / "note.txt").unlink()
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    git(repo, "tag", "web/v3.0.0", blob)  # a tag of a blob
    git(repo, "tag", "web/v4.0.0", tree)  # a tag of a tree
    git(repo, "rm", "-q", PLAN)
    git(repo, "commit", "-q", "-m", "Remove the plan")
    git(repo, "tag", "web/v5.0.0", "HEAD")  # a commit without the plan
    client = create_read_app(repo).test_client()
    latest = client.get("/v1/plans/web/versions/latest")
    assert latest.status_code == 200 and latest.headers["X-Trackplan-Version"] == "1.1.0"
    assert client.get("/v1/plans/web/versions/5.0.0").status_code == 404
    assert client.get("/v1/plans").status_code == 200


def test_a_read_token_guards_every_page_and_caches_stay_private_unless_said(
    run_cli: Cli, tmp_path: Path
) -> None:
    from bot.readapi.access import ReadAccess

    repo = released_repo(run_cli, tmp_path / "repo")
    client = create_read_app(repo, ReadAccess(token="s3cret-read")).test_client()
    for path in ("/v1/plans", "/v1/plans/web/versions/1.0.0", "/", "/plans/web/index.html"):
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "web" not in refused.get_data(as_text=True)
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        shown = client.get(path, headers={"Authorization": "Bearer s3cret-read"})
        assert shown.status_code == 200, path
        assert shown.headers["Cache-Control"].startswith("private")
    public = create_read_app(repo, ReadAccess(public_cache=True)).test_client()
    answer = public.get("/v1/plans/web/versions/1.0.0")
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_read_api_is_never_on_the_webhooks_app(gh: object, tmp_path: Path) -> None:
    from tests.botkit import app_for

    app = app_for(gh, tmp_path / "data", registry_path=tmp_path)  # type: ignore[arg-type]
    client = app.test_client()
    assert client.get("/v1/plans").status_code == 404
    assert client.get("/").status_code == 404
