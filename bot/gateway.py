"""The GitHub gateway: the only module that imports PyGithub. Plain data in, plain data out."""

from __future__ import annotations

import base64
import functools
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import requests
from github import Auth, Github, GithubException, GithubIntegration
from github.Repository import Repository

from bot.config import Config
from bot.worker import TransientError
from registry.snapshot import MemorySnapshot, is_registry_file

T = TypeVar("T")
P = ParamSpec("P")
MAX_ANNOTATIONS = 50  # GitHub's limit per check run request


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    body: str
    author: str
    draft: bool
    state: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    html_url: str
    repo_html_url: str


@dataclass(frozen=True)
class Annotation:
    path: str
    line: int
    level: str  # notice | warning | failure
    title: str
    message: str

    def to_api(self) -> dict[str, Any]:
        return {
            "path": self.path, "start_line": self.line, "end_line": self.line,
            "annotation_level": self.level, "title": self.title, "message": self.message,
        }  # fmt: skip


def _transient(exc: Exception) -> TransientError | None:
    """GitHub's 5xx, secondary rate limits and network failures are worth a retry."""
    if isinstance(exc, GithubException):
        status = exc.status
        retry_after = None
        headers = exc.headers or {}
        if "retry-after" in {k.lower() for k in headers}:
            value = next(v for k, v in headers.items() if k.lower() == "retry-after")
            retry_after = float(value) if str(value).isdigit() else None
        message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
        rate_limited = status in (403, 429) and ("rate limit" in message.lower() or retry_after)
        if status >= 500 or rate_limited:
            return TransientError(f"GitHub answered {status}: {message}", retry_after)
        return None
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return TransientError(f"GitHub unreachable: {exc.__class__.__name__}")
    return None


def _github(method: Callable[P, T]) -> Callable[P, T]:
    """Run a gateway method so that GitHub's transient failures become TransientError.

    PyGithub objects are lazy: any attribute access may send a request, so the whole method
    body is covered, not only the call that looks like I/O.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            transient = _transient(exc)
            if transient is not None:
                raise transient from exc
            raise

    return wrapper


class BlobCache:
    """Blob contents by sha on disk: blobs are immutable, so each is fetched once ever."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, sha: str) -> bytes | None:
        try:
            return (self.folder / sha[:2] / sha).read_bytes()
        except OSError:
            return None

    def put(self, sha: str, data: bytes) -> None:
        target = self.folder / sha[:2] / sha
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
        except OSError:
            pass


class GitHub:
    """Authenticated access as the App: a JWT for /app, installation tokens for the rest."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._app_auth = Auth.AppAuth(config.app_id, config.private_key)
        self._clients: dict[int, Github] = {}
        self._lock = threading.Lock()
        self.blobs = BlobCache(config.data_dir / "blobs")

    def _kwargs(self) -> dict[str, Any]:
        # Retries are the queue's job (with backoff across restarts), not PyGithub's.
        return {
            "base_url": self.config.api_url,
            "timeout": int(self.config.request_timeout),
            "retry": None,
            "seconds_between_requests": self.config.seconds_between_requests,
            "seconds_between_writes": self.config.seconds_between_writes,
        }

    @_github
    def installation_id(self, full_name: str) -> int:
        owner, name = full_name.split("/", 1)
        integration = GithubIntegration(auth=self._app_auth, **self._kwargs())
        return int(integration.get_repo_installation(owner, name).id)

    def client_for(self, repo: RepoGateway) -> Github:
        return self._clients[repo.installation_id]

    def repo(self, full_name: str, installation_id: int | None) -> RepoGateway:
        if installation_id is None:
            installation_id = self.installation_id(full_name)
        with self._lock:
            client = self._clients.get(installation_id)
            if client is None:
                # PyGithub caches the installation token and renews it shortly before expiry.
                auth = self._app_auth.get_installation_auth(installation_id)
                client = Github(auth=auth, lazy=True, **self._kwargs())
                self._clients[installation_id] = client
        return RepoGateway(client.get_repo(full_name), self, installation_id)  # lazy: no request


class RepoGateway:
    """One repository, seen through an installation token."""

    def __init__(self, repo: Repository, github: GitHub, installation_id: int) -> None:
        self._repo = repo
        self._github = github
        self.installation_id = installation_id

    @property
    def full_name(self) -> str:
        return str(self._repo.full_name)

    @_github
    def pull(self, number: int) -> PullInfo:
        pr = self._repo.get_pull(number)
        return PullInfo(
            number=pr.number, title=pr.title or "", body=pr.body or "", author=pr.user.login,
            draft=bool(pr.draft), state=pr.state, base_ref=pr.base.ref, base_sha=pr.base.sha,
            head_ref=pr.head.ref, head_sha=pr.head.sha, html_url=pr.html_url,
            repo_html_url=pr.base.repo.html_url,
        )  # fmt: skip

    @_github
    def pull_files(self, number: int) -> list[str]:
        """Paths the PR touches (both names of a rename)."""
        paths = []
        for item in self._repo.get_pull(number).get_files():
            paths.append(item.filename)
            if item.previous_filename:
                paths.append(item.previous_filename)
        return paths

    @_github
    def merge_base(self, base: str, head: str) -> str:
        return str(self._repo.compare(base, head).merge_base_commit.sha)

    @_github
    def snapshot(self, sha: str) -> MemorySnapshot:
        """The registry files at a commit: one tree request, then only blobs not seen before."""
        tree = self._repo.get_git_tree(sha, recursive=True)
        files: dict[str, bytes] = {}
        for element in tree.tree:
            if element.type != "blob" or not is_registry_file(element.path):
                continue
            files[element.path] = self._blob(element.sha)
        return MemorySnapshot(files, label=sha[:12])

    def _blob(self, sha: str) -> bytes:
        cached = self._github.blobs.get(sha)
        if cached is not None:
            return cached
        blob = self._repo.get_git_blob(sha)
        data = (
            base64.b64decode(blob.content) if blob.encoding == "base64" else blob.content.encode()
        )
        self._github.blobs.put(sha, data)
        return data

    @_github
    def reviews(self, number: int) -> list[tuple[str, str, str]]:
        """(login, state, commit id) of every review, oldest first."""
        pr = self._repo.get_pull(number)
        return [(r.user.login, r.state, r.commit_id or "") for r in pr.get_reviews()]

    @_github
    def requested_reviewers(self, number: int) -> tuple[list[str], list[str]]:
        """Users and team slugs whose review is requested now."""
        users, teams = self._repo.get_pull(number).get_review_requests()
        return [u.login for u in users], [t.slug for t in teams]

    @_github
    def request_reviewers(self, number: int, users: list[str], teams: list[str]) -> None:
        if users or teams:
            self._repo.get_pull(number).create_review_request(reviewers=users, team_reviewers=teams)

    @_github
    def team_members(self, org: str, slug: str) -> list[str]:
        """Logins of a team's members (a team owner is satisfied by any member)."""
        team = self._github.client_for(self).get_organization(org).get_team_by_slug(slug)
        return [m.login for m in team.get_members()]

    @_github
    def peel_tag(self, name: str) -> str | None:
        """The commit a tag points at (annotated tags peeled), or None when it does not exist."""
        try:
            # PyGithub objects are lazy: the request happens on the first attribute read.
            target = self._repo.get_git_ref(f"tags/{name}").object
            kind, sha = target.type, target.sha
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise
        if kind == "tag":
            return str(self._repo.get_git_tag(sha).object.sha)
        return str(sha)

    @_github
    def tag_message(self, name: str) -> str:
        ref = self._repo.get_git_ref(f"tags/{name}")
        if ref.object.type != "tag":
            return ""
        return str(self._repo.get_git_tag(ref.object.sha).message)

    @_github
    def publish_release(self, tag: str, commit: str, title: str, changelog: str,
                        assets: dict[str, bytes]) -> str:  # fmt: skip
        """Annotated tag + ref + release + assets, each only if missing: a retry (or a
        redelivered push) finishes what an earlier attempt started and duplicates nothing."""
        existing = self.peel_tag(tag)
        if existing is None:
            tag_object = self._repo.create_git_tag(tag, changelog, commit, "commit")
            self._repo.create_git_ref(f"refs/tags/{tag}", tag_object.sha)
        elif existing != commit:
            raise ValueError(f"tag {tag} exists at {existing[:12]}: it is never moved")
        try:
            release = self._repo.get_release(tag)
            uploaded = {asset.name for asset in release.assets}
        except GithubException as exc:
            if exc.status != 404:
                raise
            release = self._repo.create_git_release(tag, name=title, message=changelog)
            uploaded = set()
        for name, data in sorted(assets.items()):
            if name not in uploaded:
                # Follows the release's upload_url (another host on github.com): never built.
                release.upload_asset_from_memory(io.BytesIO(data), len(data), name,
                                                 content_type=_content_type(name))  # fmt: skip
        return str(release.html_url)

    @_github
    def commit_check(self, sha: str, name: str, conclusion: str, title: str,
                     summary: str) -> None:  # fmt: skip
        output: dict[str, Any] = {"title": title, "summary": summary[:65535]}
        self._repo.create_check_run(
            name=name, head_sha=sha, status="completed", conclusion=conclusion, output=output
        )

    @_github
    def tags(self) -> list[str]:
        refs = self._repo.get_git_matching_refs("tags/")
        return [ref.ref.removeprefix("refs/tags/") for ref in refs]

    @_github
    def find_comment(self, number: int, marker: str) -> tuple[int, str] | None:
        """The bot's comment on the PR: every page is read (it may not be on the first)."""
        for comment in self._repo.get_issue(number).get_comments():
            if marker in (comment.body or ""):
                return int(comment.id), str(comment.body)
        return None

    @_github
    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """Edit the bot's comment, or create it: never a second one."""
        found = self.find_comment(number, marker)
        if found is not None:
            comment_id, old_body = found
            if old_body != body:
                self._repo.get_issue(number).get_comment(comment_id).edit(body)
            return comment_id
        return int(self._repo.get_issue(number).create_comment(body).id)

    @_github
    def check_run(self, head_sha: str, name: str, conclusion: str, title: str, summary: str,
                  text: str = "", annotations: list[Annotation] | None = None) -> int:  # fmt: skip
        """A completed check run; annotations past 50 go out in further updates."""
        batches = list(_batches(annotations or [], MAX_ANNOTATIONS)) or [[]]
        output: dict[str, Any] = {"title": title, "summary": summary[:65535]}
        if text:
            output["text"] = text[:65535]
        run = self._repo.create_check_run(
            name=name, head_sha=head_sha, status="completed", conclusion=conclusion,
            output={**output, "annotations": [a.to_api() for a in batches[0]]},
        )  # fmt: skip
        for batch in batches[1:]:
            run.edit(output={**output, "annotations": [a.to_api() for a in batch]})
        return int(run.id)


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".md"):
        return "text/markdown"
    return "text/plain"


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
