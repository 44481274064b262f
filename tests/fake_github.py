"""A fake GitHub REST server on 127.0.0.1, backed by a real local git repository.

The bot talks HTTP to it through PyGithub exactly as it talks to api.github.com; tests set
up pull requests, reviews and teams, and assert on what the fake received.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request
from werkzeug.serving import make_server


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived
    client: str = ""  # the client's address and port: one per TCP connection


@dataclass
class Pull:
    number: int
    base: str
    head: str
    author: str
    title: str = "Change the plan"
    body: str = ""
    draft: bool = False
    state: str = "open"


@dataclass
class Faults:
    """Seeded fault injection: each request draws once. `fail_after` applies a write and
    then answers 502 (its effect stays), as GitHub does when a proxy times out."""

    fail_before: float = 0.0
    fail_after: float = 0.0
    rate_limit: float = 0.0  # 403 secondary rate limit with Retry-After
    slow: float = 0.0  # share of requests delayed by `delay` seconds
    delay: float = 0.2
    seed: int = 0
    spare: tuple[str, ...] = ("/app/",)  # path prefixes never failed

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.injected: Counter[str] = Counter()

    def draw(self, path: str) -> str | None:
        if any(path.startswith(prefix) for prefix in self.spare):
            return None
        roll = self.rng.random()
        for kind, rate in (("before", self.fail_before), ("after", self.fail_after),
                           ("rate", self.rate_limit), ("slow", self.slow)):  # fmt: skip
            if roll < rate:
                self.injected[kind] += 1
                return kind
            roll -= rate
        return None


@dataclass
class FakeState:
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requested: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    teams: dict[str, list[str]] = field(default_factory=dict)  # "org/slug" -> logins
    releases: list[dict[str, Any]] = field(default_factory=list)
    assets: dict[int, dict[str, bytes]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    tag_objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Logins that may be asked for a review (None: anyone); GitHub answers 422 for others.
    collaborators: set[str] | None = None


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with persistent connections, each request handed to the Flask app."""

    protocol_version = "HTTP/1.1"
    server: _KeepAliveServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        skip = {"host", "content-length", "connection"}
        answer = self.server.app.test_client().open(
            self.path, method=self.command, data=body,
            headers=[(k, v) for k, v in self.headers.items() if k.lower() not in skip],
            environ_overrides={"REMOTE_ADDR": self.client_address[0],
                               "REMOTE_PORT": str(self.client_address[1])},
        )  # fmt: skip
        data = answer.get_data()
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request is noise


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Flask) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.app = app


class FakeGitHub:
    """`with FakeGitHub(repo) as gh:` serves the API at `gh.url` until the block ends."""

    def __init__(self, repo: Path, owner: str = "acme", name: str = "plans",
                 installation_id: int = 42, keep_alive: bool = False) -> None:  # fmt: skip
        self.repo = repo
        self.owner, self.name = owner, name
        self.full_name = f"{owner}/{name}"
        self.installation_id = installation_id
        self.state = FakeState()
        self.requests: list[Recorded] = []
        self.tokens: set[str] = set()
        self.token_logins: dict[str, str] = {}  # personal tokens, and whose they are
        self._ids = itertools.count(1000)
        self._fail: list[int] = []  # statuses to answer with, one per request
        self.faults: Faults | None = None
        self._limit = (0, False)  # rate limits of fail_next(..., 403): (wait, primary)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # writes one at a time, like GitHub per resource
        self.app = self._build()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
        # werkzeug's server closes every connection; GitHub keeps them alive, which tests of
        # connection reuse need (keep_alive=True).
        self._server: Any = (
            _KeepAliveServer(self.app) if keep_alive
            else make_server("127.0.0.1", 0, self.app, threaded=True)
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(5)

    # --- what tests set up and read -------------------------------------------------------

    def add_pull(self, number: int, head: str, author: str = "alice", base: str = "main",
                 **extra: Any) -> Pull:  # fmt: skip
        pull = Pull(number, base, head, author, **extra)
        self.state.pulls[number] = pull
        return pull

    def add_review(self, number: int, user: str, state: str, commit_id: str) -> None:
        reviews = self.state.reviews.setdefault(number, [])
        reviews.append({"id": next(self._ids), "user": _user(user), "state": state,
                        "commit_id": commit_id, "submitted_at": "2026-11-24T10:00:00Z",
                        "body": "", "html_url": "", "pull_request_url": ""})  # fmt: skip

    def fail_next(self, count: int, status: int = 502) -> None:
        with self._lock:
            self._fail.extend([status] * count)

    def inject(self, faults: Faults | None) -> None:
        """Fail a share of requests from now on (None: stop)."""
        with self._lock:
            self.faults = faults

    def rate_limit_next(self, count: int, wait: int = 0, primary: bool = False) -> None:
        """GitHub's secondary rate limit (403 with Retry-After: `wait`), or its primary one
        (403 with x-ratelimit-remaining 0 and x-ratelimit-reset `wait` seconds ahead)."""
        with self._lock:
            self._limit = (wait, primary)
        self.fail_next(count, status=403)

    def add_comment(self, number: int, body: str, login: str) -> int:
        """A comment a person wrote on issue or pull request `number`."""
        cid = next(self._ids)
        self.state.comments.append(
            {
                "issue": number,
                "id": cid,
                "json": {
                    "id": cid,
                    "body": body,
                    "user": _user(login),
                    "performed_via_github_app": None,
                    "url": f"{self.url}/repos/{self.full_name}/issues/comments/{cid}",
                    "html_url": "",
                    "created_at": "2026-11-24T09:00:00Z",
                    "updated_at": "2026-11-24T09:00:00Z",
                },
            }
        )
        return cid

    def comments(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.state.comments if c["issue"] == number]

    def check_runs(self, head_sha: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.state.check_runs if head_sha in (None, r["head_sha"])]

    def received(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.repo, capture_output=True, text=True,
                              check=True).stdout  # fmt: skip

    def sha(self, ref: str) -> str:
        return self.git("rev-parse", ref).strip()

    # --- the server -----------------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask("fake-github")
        repo = f"/repos/{self.owner}/{self.name}"
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", "/app/installations/<int:iid>/access_tokens", self._token),
            ("GET", f"{repo}/installation", self._installation),
            ("GET", repo, self._repo),
            ("GET", f"{repo}/pulls/<int:n>", self._pull),
            ("GET", f"{repo}/pulls/<int:n>/files", self._files),
            ("GET", f"{repo}/commits/<sha>/pulls", self._commit_pulls),
            ("GET", f"{repo}/pulls/<int:n>/reviews", self._reviews),
            ("GET", f"{repo}/pulls/<int:n>/requested_reviewers", self._requested),
            ("POST", f"{repo}/pulls/<int:n>/requested_reviewers", self._request_reviewers),
            ("GET", f"{repo}/compare/<path:spec>", self._compare),
            ("GET", f"{repo}/git/trees/<sha>", self._tree),
            ("GET", f"{repo}/git/blobs/<sha>", self._blob),
            ("GET", f"{repo}/git/commits/<sha>", self._commit),
            ("GET", f"{repo}/git/matching-refs/<path:prefix>", self._matching_refs),
            ("GET", f"{repo}/git/matching-refs/", self._all_refs),
            ("POST", f"{repo}/git/tags", self._create_tag),
            ("GET", f"{repo}/git/tags/<sha>", self._get_tag),
            ("GET", f"{repo}/git/ref/<path:ref>", self._get_ref),
            ("POST", f"{repo}/git/refs", self._create_ref),
            ("GET", f"{repo}/issues/<int:n>", self._issue),
            ("GET", f"{repo}/issues/<int:n>/comments", self._list_comments),
            ("POST", f"{repo}/issues/<int:n>/comments", self._create_comment),
            ("GET", f"{repo}/issues/comments/<int:cid>", self._get_comment),
            ("PATCH", f"{repo}/issues/comments/<int:cid>", self._edit_comment),
            ("POST", f"{repo}/check-runs", self._create_check),
            ("GET", f"{repo}/commits/<sha>/check-runs", self._list_checks),
            ("GET", f"{repo}/releases", self._list_releases),
            ("DELETE", f"{repo}/releases/assets/<int:aid>", self._delete_asset),
            ("GET", f"{repo}/releases/assets/<int:aid>", self._get_asset),
            ("GET", f"{repo}/tarball/<path:ref>", self._tarball_link),
            ("GET", "/_archives/<sha>.tar.gz", self._tarball),
            ("PATCH", f"{repo}/check-runs/<int:rid>", self._update_check),
            ("POST", f"{repo}/statuses/<sha>", self._create_status),
            ("POST", f"{repo}/releases", self._create_release),
            ("GET", f"{repo}/releases/tags/<path:tag>", self._release_by_tag),
            ("POST", f"/uploads{repo}/releases/<int:rid>/assets", self._upload),
            ("GET", "/orgs/<org>/teams/<slug>", self._team),
            ("GET", "/orgs/<org>/teams/<slug>/members", self._team_members),
        ]
        for method, rule, view in routes:
            app.add_url_rule(rule, f"{method} {rule}", self._wrap(view), methods=[method])
        app.register_error_handler(404, lambda e: _json({"message": "Not Found"}, 404))
        app.before_request(self._before)
        return app

    def _before(self) -> Response | None:
        arrived = time.monotonic()  # before the body is read: a big upload takes a while
        body: Any = request.get_data()
        if request.is_json:
            body = request.get_json(silent=True)
        with self._lock:
            client = f"{request.remote_addr}:{request.environ.get('REMOTE_PORT')}"
            self.requests.append(Recorded(request.method, request.path, dict(request.args), body,
                                          arrived, client))  # fmt: skip
            status = self._fail.pop(0) if self._fail else None
            fault = self.faults.draw(request.path) if self.faults else None
            delay = self.faults.delay if self.faults else 0.0
        if fault == "slow":
            time.sleep(delay)
        elif fault == "before":
            status = 502
        elif fault == "rate":
            status = 403
        elif fault == "after":
            request.environ["fake.fail_after"] = True
        if status == 403:
            wait, primary = self._limit
            if primary:
                response = _json({"message": "API rate limit exceeded for installation."}, 403)
                response.headers["X-RateLimit-Remaining"] = "0"
                response.headers["X-RateLimit-Reset"] = str(int(time.time()) + wait)
                return response
            response = _json({"message": "You have exceeded a secondary rate limit. Please "
                              "wait a few minutes before you try again."}, 403)  # fmt: skip
            response.headers["Retry-After"] = str(wait)
            return response
        if status is not None:
            return _json({"message": "Server Error"}, status)
        auth = request.headers.get("Authorization", "")
        if request.path.startswith("/app/") or request.path.endswith("/installation"):
            return None if auth.startswith("Bearer ") else _json({"message": "JWT"}, 401)
        token = auth.split(" ", 1)[-1]
        if token not in self.tokens:
            return _json({"message": "Bad credentials"}, 401)
        return None

    def _wrap(self, view: Callable[..., Any]) -> Callable[..., Any]:
        def handler(**kwargs: Any) -> Any:
            with self._write_lock if request.method != "GET" else _no_lock():
                result = view(**kwargs)
            if request.environ.get("fake.fail_after"):
                return _json({"message": "Server Error"}, 502)  # applied, answer lost
            return result if isinstance(result, Response) else _json(result)

        handler.__name__ = view.__name__
        return handler

    # --- handlers -------------------------------------------------------------------------

    def _token(self, iid: int) -> Response:
        token = f"ghs_fake{next(self._ids)}"
        self.tokens.add(token)
        return _json({"token": token, "expires_at": "2099-01-01T00:00:00Z",
                      "permissions": {}, "repository_selection": "all"}, 201)  # fmt: skip

    def _installation(self) -> dict[str, Any]:
        return {"id": self.installation_id, "app_id": 1, "account": _user(self.owner)}

    def _repo(self) -> dict[str, Any]:
        return self._repo_json()

    def _repo_json(self) -> dict[str, Any]:
        return {"id": 1, "name": self.name, "full_name": self.full_name,
                "owner": _user(self.owner), "default_branch": "main", "private": False,
                "html_url": f"https://github.test/{self.full_name}",
                "url": f"{self.url}/repos/{self.full_name}"}  # fmt: skip

    def _commit_pulls(self, sha: str) -> Any:
        """The pull requests whose head is at `sha` (GitHub also lists merged ones)."""
        return [self._pull(n) for n, pull in sorted(self.state.pulls.items())
                if self.sha(pull.head) == sha]  # fmt: skip

    def _pull(self, n: int) -> Any:
        pull = self.state.pulls.get(n)
        if pull is None:
            return _json({"message": "Not Found"}, 404)
        return {
            "number": n, "id": n, "title": pull.title, "body": pull.body, "state": pull.state,
            "draft": pull.draft, "user": _user(pull.author), "merged": False,
            "url": f"{self.url}/repos/{self.full_name}/pulls/{n}",
            "html_url": f"https://github.test/{self.full_name}/pull/{n}",
            "base": {"ref": pull.base, "sha": self.sha(pull.base), "repo": self._repo_json()},
            "head": {"ref": pull.head, "sha": self.sha(pull.head), "repo": self._repo_json()},
        }  # fmt: skip

    def _files(self, n: int) -> Response:
        pull = self.state.pulls[n]
        base = self.git("merge-base", pull.base, pull.head).strip()
        out = self.git("diff", "--name-status", "-M", base, pull.head)
        files = []
        for line in out.splitlines():
            status, *paths = line.split("\t")
            kind = {"A": "added", "M": "modified", "D": "removed"}.get(status[0], "renamed")
            item = {"filename": paths[-1], "status": kind, "sha": "0" * 40}
            if kind == "renamed":
                item["previous_filename"] = paths[0]
            files.append(item)
        return self._page(files)

    def _reviews(self, n: int) -> Response:
        return self._page(self.state.reviews.get(n, []))

    def _requested(self, n: int) -> dict[str, Any]:
        asked = self.state.requested.get(n, {"users": [], "teams": []})
        return {"users": [_user(u) for u in asked["users"]],
                "teams": [{"slug": t, "name": t, "id": 1} for t in asked["teams"]]}  # fmt: skip

    def _request_reviewers(self, n: int) -> Any:
        data = request.get_json(silent=True) or {}
        users, teams = data.get("reviewers", []), data.get("team_reviewers", [])
        if self.state.pulls[n].author in users:
            return _json({"message": "Review cannot be requested from pull request author."},
                         422)  # fmt: skip
        strangers = [u for u in users if self.state.collaborators is not None
                     and u not in self.state.collaborators]  # fmt: skip
        if strangers:
            return _json({"message": "Reviews may only be requested from collaborators. One "
                          "or more of the users or teams you specified is not a collaborator "
                          f"of the {self.full_name} repository."}, 422)  # fmt: skip
        unknown = [t for t in teams if f"{self.owner}/{t}" not in self.state.teams]
        if unknown:
            return _json({"message": "Not Found"}, 404)
        asked = self.state.requested.setdefault(n, {"users": [], "teams": []})
        asked["users"] += [u for u in users if u not in asked["users"]]
        asked["teams"] += [t for t in teams if t not in asked["teams"]]
        return _json(self._pull(n), 201)

    def _compare(self, spec: str) -> dict[str, Any]:
        base, head = spec.split("...", 1)
        merge_base = self.git("merge-base", base, head).strip()
        return {"merge_base_commit": {"sha": merge_base}, "status": "ahead", "commits": [],
                "files": [], "ahead_by": 1, "behind_by": 0, "total_commits": 1}  # fmt: skip

    def _tree(self, sha: str) -> dict[str, Any]:
        out = self.git("ls-tree", "-r", "-z", "--long", sha)
        tree = []
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                mode, kind, obj, size = meta.split()
                tree.append({"path": path, "mode": mode, "type": kind, "sha": obj,
                             "size": int(size) if size.isdigit() else 0})  # fmt: skip
        return {"sha": sha, "tree": tree, "truncated": False,
                "url": f"{self.url}/repos/{self.full_name}/git/trees/{sha}"}  # fmt: skip

    def _blob(self, sha: str) -> dict[str, Any]:
        data = subprocess.run(["git", "cat-file", "blob", sha], cwd=self.repo,
                              capture_output=True, check=True).stdout  # fmt: skip
        return {"sha": sha, "size": len(data), "encoding": "base64",
                "content": base64.b64encode(data).decode()}  # fmt: skip

    def _commit(self, sha: str) -> dict[str, Any]:
        message = self.git("log", "-1", "--format=%B", sha)
        return {"sha": sha, "message": message, "url": "", "tree": {"sha": "", "url": ""},
                "parents": []}  # fmt: skip

    def _all_refs(self) -> Response:
        return self._matching_refs("")

    def _matching_refs(self, prefix: str) -> Response:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname) %(objecttype)",
                       f"refs/{prefix}")  # fmt: skip
        refs = [{"ref": r, "object": {"sha": s, "type": t}, "url": ""}
                for r, s, t in (line.split() for line in out.splitlines())]  # fmt: skip
        return self._page(refs)

    def _create_tag(self) -> Any:
        data = request.get_json() or {}
        sha = subprocess.run(
            ["git", "mktag"], cwd=self.repo, check=True, capture_output=True, text=True,
            input=f"object {data['object']}\ntype commit\ntag {data['tag']}\n"
            f"tagger trackplan <bot@trackplan.test> 1764000000 +0000\n\n{data['message']}",
        ).stdout.strip()  # fmt: skip
        tag = {"sha": sha, "tag": data["tag"], "message": data["message"],
               "object": {"sha": data["object"], "type": "commit"}, "url": ""}  # fmt: skip
        self.state.tag_objects[sha] = tag
        return _json(tag, 201)

    def _get_tag(self, sha: str) -> Any:
        tag = self.state.tag_objects.get(sha)
        if tag is None:
            kind = self.git("cat-file", "-t", sha).strip()
            if kind != "tag":
                return _json({"message": "Not Found"}, 404)
            body = self.git("cat-file", "tag", sha)
            header, _, message = body.partition("\n\n")
            fields = dict(line.split(" ", 1) for line in header.splitlines())
            tag = {"sha": sha, "tag": fields["tag"], "message": message, "url": "",
                   "object": {"sha": fields["object"], "type": fields["type"]}}  # fmt: skip
        return tag

    def _get_ref(self, ref: str) -> Any:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname) %(objecttype)",
                       f"refs/{ref}")  # fmt: skip
        for line in out.splitlines():
            name, sha, kind = line.split()
            if name == f"refs/{ref}":
                return {"ref": name, "object": {"sha": sha, "type": kind}, "url": ""}
        return _json({"message": "Not Found"}, 404)

    def _create_ref(self) -> Any:
        data = request.get_json() or {}
        exists = subprocess.run(["git", "show-ref", "--verify", "--quiet", data["ref"]],
                                cwd=self.repo, check=False).returncode == 0  # fmt: skip
        if exists:
            return _json({"message": "Reference already exists"}, 422)
        self.git("update-ref", data["ref"], data["sha"])
        return _json({"ref": data["ref"], "object": {"sha": data["sha"], "type": "tag"},
                      "url": ""}, 201)  # fmt: skip

    def _issue(self, n: int) -> dict[str, Any]:
        return {"number": n, "id": n, "title": "", "state": "open", "user": _user("alice"),
                "url": f"{self.url}/repos/{self.full_name}/issues/{n}"}  # fmt: skip

    def _list_comments(self, n: int) -> Response:
        return self._page([c["json"] for c in self.comments(n)])

    def _create_comment(self, n: int) -> Response:
        body = (request.get_json() or {})["body"]
        cid = next(self._ids)
        # What GitHub records: an App's installation token writes as the App's bot user and
        # marks the comment as the App's; a workflow token writes as github-actions[bot].
        token = request.headers.get("Authorization", "").split(" ", 1)[-1]
        app: dict[str, Any] | None = ({"id": 1, "slug": "trackplan"} if token.startswith(
            "ghs_fake") else {"id": 15368, "slug": "github-actions"})  # fmt: skip
        user = _user(app["slug"] + "[bot]") | {"type": "Bot"}
        if token in self.token_logins:  # a person's token writes as that person
            app, user = None, _user(self.token_logins[token])
        comment = {"id": cid, "body": body, "user": user, "performed_via_github_app": app,
                   "url": f"{self.url}/repos/{self.full_name}/issues/comments/{cid}",
                   "html_url": "", "created_at": "2026-11-24T10:00:00Z",
                   "updated_at": "2026-11-24T10:00:00Z"}  # fmt: skip
        self.state.comments.append({"issue": n, "id": cid, "json": comment})
        return _json(comment, 201)

    def _get_comment(self, cid: int) -> Any:
        for c in self.state.comments:
            if c["id"] == cid:
                return c["json"]
        return _json({"message": "Not Found"}, 404)

    def _edit_comment(self, cid: int) -> Any:
        for c in self.state.comments:
            if c["id"] == cid:
                c["json"]["body"] = (request.get_json() or {})["body"]
                return c["json"]
        return _json({"message": "Not Found"}, 404)

    def _create_check(self) -> Any:
        data = request.get_json() or {}
        problem = _check_problem(data)
        if problem:
            return _json({"message": problem}, 422)
        rid = next(self._ids)
        run = {"id": rid, **data, "url": f"{self.url}/repos/{self.full_name}/check-runs/{rid}",
               "annotations": list((data.get("output") or {}).get("annotations", []))}  # fmt: skip
        self.state.check_runs.append(run)
        return _json(_check_json(run), 201)

    def _update_check(self, rid: int) -> Any:
        data = request.get_json() or {}
        problem = _check_problem(data)
        if problem:
            return _json({"message": problem}, 422)
        run = next(r for r in self.state.check_runs if r["id"] == rid)
        run["annotations"] += (data.get("output") or {}).get("annotations", [])
        run.update({k: v for k, v in data.items() if k != "output"})
        if data.get("output"):
            run["output"] = {**(run.get("output") or {}), **data["output"]}
        return _check_json(run)

    def _list_checks(self, sha: str) -> Response:
        name = request.args.get("check_name")
        runs = [_check_json(r) for r in reversed(self.state.check_runs)
                if r["head_sha"] == sha and name in (None, r.get("name"))]  # fmt: skip
        per_page = int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        return _json({"total_count": len(runs),
                      "check_runs": runs[(page - 1) * per_page : page * per_page]})  # fmt: skip

    def _create_status(self, sha: str) -> Any:
        self.state.statuses.append({"sha": sha, **(request.get_json() or {})})
        return _json({"id": next(self._ids), "state": "success"}, 201)

    def _create_release(self) -> Any:
        data = request.get_json() or {}
        if any(r["tag_name"] == data["tag_name"] for r in self.state.releases):
            return _json({"message": "Validation Failed: already_exists"}, 422)
        rid = next(self._ids)
        release = {"id": rid, "tag_name": data["tag_name"], "name": data.get("name"),
                   "body": data.get("body"), "draft": False, "prerelease": False,
                   "url": f"{self.url}/repos/{self.full_name}/releases/{rid}", "html_url": "",
                   "upload_url": f"{self.url}/uploads/repos/{self.full_name}/releases/{rid}"
                                 "/assets{?name,label}", "assets": []}  # fmt: skip
        self.state.releases.append(release)
        return _json(release, 201)

    def _release_by_tag(self, tag: str) -> Any:
        for release in self.state.releases:
            if release["tag_name"] == tag:
                return release
        return _json({"message": "Not Found"}, 404)

    def _upload(self, rid: int) -> Any:
        name = request.args["name"]
        data = request.get_data()
        release = next(r for r in self.state.releases if r["id"] == rid)
        if any(a["name"] == name for a in release["assets"]):
            return _json({"message": "Validation Failed: already_exists"}, 422)
        self.state.assets.setdefault(rid, {})[name] = data
        aid = next(self._ids)
        asset = {"id": aid, "name": name, "size": len(data),
                 "url": f"{self.url}/repos/{self.full_name}/releases/assets/{aid}",
                 "browser_download_url": "", "label": "", "state": "uploaded",
                 "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
                 "content_type": request.content_type or ""}  # fmt: skip
        release["assets"].append(asset)
        return _json(asset, 201)

    def _list_releases(self) -> Response:
        return self._page(list(reversed(self.state.releases)))

    def _get_asset(self, aid: int) -> Any:
        for release in self.state.releases:
            for asset in release["assets"]:
                if asset["id"] == aid:
                    return asset
        return _json({"message": "Not Found"}, 404)

    def _delete_asset(self, aid: int) -> Any:
        for release in self.state.releases:
            for asset in release["assets"]:
                if asset["id"] == aid:
                    release["assets"].remove(asset)
                    self.state.assets.get(release["id"], {}).pop(asset["name"], None)
                    return Response(status=204)
        return _json({"message": "Not Found"}, 404)

    def _tarball_link(self, ref: str) -> Response:
        sha = self.sha(ref)
        response = Response(status=302)
        response.headers["Location"] = f"{self.url}/_archives/{sha}.tar.gz"
        return response

    def _tarball(self, sha: str) -> Response:
        prefix = f"{self.owner}-{self.name}-{sha[:7]}/"
        data = subprocess.run(["git", "archive", "--format=tar.gz", f"--prefix={prefix}", sha],
                              cwd=self.repo, capture_output=True, check=True).stdout  # fmt: skip
        return Response(data, mimetype="application/gzip")

    def _team(self, org: str, slug: str) -> Any:
        if f"{org}/{slug}" not in self.state.teams:
            return _json({"message": "Not Found"}, 404)
        return {"id": abs(hash(slug)) % 10_000, "slug": slug, "name": slug,
                "url": f"{self.url}/orgs/{org}/teams/{slug}"}  # fmt: skip

    def _team_members(self, org: str, slug: str) -> Response:
        if f"{org}/{slug}" not in self.state.teams:
            return _json({"message": "Not Found"}, 404)
        return self._page([_user(u) for u in self.state.teams.get(f"{org}/{slug}", [])])

    def _page(self, items: list[Any]) -> Response:
        per_page = int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        response = _json(chunk)
        links = []
        last = max(1, -(-len(items) // per_page))
        if page < last:
            args = {**request.args, "page": page + 1, "per_page": per_page}
            links.append(f'<{self.url}{request.path}?{urlencode(args)}>; rel="next"')
            args["page"] = last
            links.append(f'<{self.url}{request.path}?{urlencode(args)}>; rel="last"')
        if links:
            response.headers["Link"] = ", ".join(links)
        return response


@contextlib.contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _check_problem(data: dict[str, Any]) -> str | None:
    output = data.get("output") or {}
    if len(output.get("annotations", [])) > 50:
        return "Only 50 annotations per request"
    if data.get("status") == "completed" and not data.get("conclusion"):
        return "conclusion is required when status is completed"
    if any(len(output.get(k) or "") > 65535 for k in ("summary", "text")):
        return "output is too long"
    return None


def _check_json(run: dict[str, Any]) -> dict[str, Any]:
    output = {k: v for k, v in (run.get("output") or {}).items() if k != "annotations"}
    output["annotations_count"] = len(run["annotations"])
    return {"id": run["id"], "name": run.get("name"), "head_sha": run.get("head_sha"),
            "status": run.get("status"), "conclusion": run.get("conclusion"), "url": run["url"],
            "external_id": run.get("external_id"), "html_url": "", "output": output}  # fmt: skip


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 10_000, "type": "User", "url": ""}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def main() -> None:
    """Run the fake by hand (README, "Try it against the fake GitHub")."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description="A fake GitHub API backed by a git repository.")
    parser.add_argument("--repo", type=Path, required=True, help="the git repository it serves")
    parser.add_argument("--owner", default="Codertocat")
    parser.add_argument("--name", default="Hello-World")
    parser.add_argument("--installation", type=int, default=1)
    parser.add_argument("--pull", action="append", default=[], metavar="NUMBER:BRANCH",
                        help="a pull request from BRANCH into main, e.g. 2:rename")  # fmt: skip
    args = parser.parse_args()
    with FakeGitHub(args.repo, args.owner, args.name, args.installation) as gh:
        for spec in args.pull:
            number, branch = spec.split(":", 1)
            gh.add_pull(int(number), head=branch)
        print(f"fake GitHub API on {gh.url} (repository {gh.full_name})", flush=True)
        try:
            while True:
                time.sleep(2)
                for number in sorted(gh.state.pulls):
                    for comment in gh.comments(number):
                        if not comment.get("shown"):
                            comment["shown"] = True
                            print(f"--- comment on #{number} ---\n{comment['json']['body']}",
                                  flush=True)  # fmt: skip
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
