"""The GitHub API, as plain data in and out: pull requests, trees and blobs, checks, releases."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import tarfile
import threading
from typing import Any, ParamSpec, TypeVar

import requests
from github import Auth, Github, GithubException, GithubIntegration
from github.Repository import Repository
from github.Requester import Requester

from bot.config import Config
from bot.github.blobs import BlobCache
from bot.github.transport import (
    PacedHTTP,
    PacedHTTPS,
    Pacing,
    RequestRetry,
    StepRetry,
    WritePacer,
    as_transient,
    github_step,
)
from registry.load.snapshot import MemorySnapshot, is_registry_file
from registry.records import record
from registry.release.steps import (
    CREATE_RELEASE,
    CREATE_TAG,
    UPLOAD_ASSET,
    HeldAsset,
    HeldRelease,
    Step,
    asset_problem,
)

log = logging.getLogger("trackplan.bot")
T = TypeVar("T")
P = ParamSpec("P")
MAX_ANNOTATIONS = 50  # GitHub's limit per check run request


@record(frozen=True)
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


@record(frozen=True)
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


@record(frozen=True)
class Tree:
    """A commit's tree: the registry files (path -> blob sha) and the size of everything."""

    files: dict[str, str]
    total_bytes: int
    registry_bytes: int = 0  # of the registry files alone: what a review reads and parses


class TreeTooLarge(Exception):
    """GitHub truncated a recursive tree listing: the registry cannot be read whole."""


@record(frozen=True)
class ReviewRequests:
    """Who is asked for a review now, and the owners GitHub refused to ask (and why)."""

    asked: set[str]
    refused: dict[str, str]


TOKEN_INSTALLATION = 0  # the one "installation" of a token: all it may reach


class GitHub:
    """Authenticated access as the App: a JWT for /app, installation tokens for the rest
    (or, for the GitHub Action, one token for everything)."""

    def __init__(self, config: Config, pacer: WritePacer | None = None) -> None:
        self.config = config
        # Writes take shared slots when there is a pacer (the bot's queue), else PyGithub
        # paces each client on its own (the GitHub Action: one process).
        self.pacer = pacer if config.seconds_between_writes > 0 else None
        Requester.injectConnectionClasses(PacedHTTP, PacedHTTPS)  # plain without pacing
        # Injecting also turns off keeping a connection per client (meant for test doubles):
        # turned back on, or every request would pay a new TCP and TLS handshake.
        Requester._Requester__persist = True  # type: ignore[attr-defined]
        # With a token (the GitHub Action) there is no App: one client for every repository.
        self._app_auth = None if config.token else Auth.AppAuth(config.app_id, config.private_key)
        self._clients: dict[int, Github] = {}
        self._lock = threading.Lock()
        self.blobs = BlobCache(config.data_dir / "blobs")
        self.step_retry = StepRetry(config.request_retries, config.request_backoff_seconds,
                                    config.max_wait_seconds)  # fmt: skip

    def _kwargs(self, installation_id: int | None = None) -> dict[str, Any]:
        retry = RequestRetry(
            max_wait=self.config.max_wait_seconds, total=self.config.request_retries,
            backoff_factor=self.config.request_backoff_seconds, backoff_jitter=0.5,
        )  # fmt: skip
        write_pacing = self.config.seconds_between_writes
        if self.pacer is not None and installation_id is not None:
            key = f"{self.config.api_url}#installation-{installation_id}"
            retry.pacing = Pacing(self.pacer, key, write_pacing)
            write_pacing = 0.0  # the shared slots pace writes; PyGithub's own would add up
        return {
            "base_url": self.config.api_url,
            "timeout": int(self.config.request_timeout),
            "retry": retry,
            "seconds_between_requests": self.config.seconds_between_requests,
            "seconds_between_writes": write_pacing,
        }

    @github_step
    def installation_id(self, full_name: str) -> int:
        if self._app_auth is None:
            return TOKEN_INSTALLATION
        owner, name = full_name.split("/", 1)
        integration = GithubIntegration(auth=self._app_auth, **self._kwargs())
        return int(integration.get_repo_installation(owner, name).id)

    def client_for(self, repo: RepoGateway) -> Github:
        return self._clients[repo.installation_id]

    def repo(self, full_name: str, installation_id: int | None) -> RepoGateway:
        if self._app_auth is None:
            installation_id = TOKEN_INSTALLATION
        elif installation_id is None:
            installation_id = self.installation_id(full_name)
        with self._lock:
            client = self._clients.get(installation_id)
            if client is None:
                # PyGithub caches the installation token and renews it shortly before expiry.
                auth: Any = (
                    Auth.Token(self.config.token)
                    if self._app_auth is None
                    else self._app_auth.get_installation_auth(installation_id)
                )
                client = Github(auth=auth, lazy=True, **self._kwargs(installation_id))
                self._clients[installation_id] = client
        return RepoGateway(client.get_repo(full_name), self, installation_id)  # lazy: no request


# A cold snapshot with more missing blobs than this comes as one tarball, if the whole
# tree is small enough that one archive costs less than the blob requests it saves.
TARBALL_MIN_BLOBS = 8
TARBALL_MAX_BYTES = 64 * 1024 * 1024


class RepoGateway:
    """One repository, seen through an installation token."""

    def __init__(self, repo: Repository, github: GitHub, installation_id: int) -> None:
        self._repo = repo
        self._github = github
        self.installation_id = installation_id
        self.step_retry = github.step_retry

    @property
    def full_name(self) -> str:
        return str(self._repo.full_name)

    @github_step
    def pull(self, number: int) -> PullInfo:
        return _pull_info(self._repo.get_pull(number))

    @github_step
    def open_pulls_at(self, sha: str) -> list[PullInfo]:
        """The open pull requests whose head is commit `sha` (one head can be proposed into
        several branches: its checks are the commit's, shared by all of them)."""
        pulls = self._repo.get_commit(sha).get_pulls()
        return [_pull_info(pr) for pr in pulls if pr.state == "open" and pr.head.sha == sha]

    @github_step
    def branch_sha(self, branch: str) -> str:
        """The commit at the tip of a branch now (a PR's own base sha may be older)."""
        return str(self._repo.get_git_ref(f"heads/{branch}").object.sha)

    @github_step
    def merge_base(self, base: str, head: str) -> str:
        return str(self._repo.compare(base, head).merge_base_commit.sha)

    @github_step
    def tree(self, sha: str) -> Tree:
        """One recursive tree request: registry files by path, and the tree's total size.

        Changed files come from comparing two trees, never from the PR's file list, which
        GitHub cuts off at 3,000 files.
        """
        tree = self._repo.get_git_tree(sha, recursive=True)
        prefix = self._github.config.registry_prefix
        files, total, registry = {}, 0, 0
        for element in tree.tree:
            if element.type != "blob":
                continue
            total += element.size or 0
            if not element.path.startswith(prefix):
                continue
            path = element.path[len(prefix) :]  # registry paths are relative to its folder
            if is_registry_file(path):
                files[path] = element.sha
                registry += element.size or 0
        if tree.raw_data.get("truncated"):
            # Files missing from a cut-off listing would look deleted: never guess.
            raise TreeTooLarge(
                f"GitHub cut off the file list of commit {sha[:12]} (over 100,000 entries "
                "or 7 MB): trackplan reads registries from repositories below that size"
            )
        return Tree(files, total, registry)

    @github_step
    def snapshot(self, sha: str, tree: Tree | None = None) -> MemorySnapshot:
        """The registry files at a commit: only blobs never seen before are fetched, as one
        tarball when there are many and the repository is small, else one by one."""
        tree = tree or self.tree(sha)
        blobs = self._github.blobs
        missing = {path: blob for path, blob in tree.files.items() if blobs.get(blob) is None}
        if len(missing) > TARBALL_MIN_BLOBS and tree.total_bytes <= TARBALL_MAX_BYTES:
            try:
                self._cache_from_tarball(sha, missing)
            except Exception as exc:  # only a shortcut: the blobs come one by one instead
                log.info("tarball of %s not used (%s): fetching %d blobs", sha[:12],
                         exc.__class__.__name__, len(missing))  # fmt: skip
        files = {path: self._blob(blob) for path, blob in sorted(tree.files.items())}
        return MemorySnapshot(files, label=sha[:12])

    def _cache_from_tarball(self, sha: str, wanted: dict[str, str]) -> None:
        """Put the wanted blobs into the cache from the commit's tarball; a file whose bytes
        do not hash to its blob sha (export-subst, filters) is left for a blob request."""
        url = self._repo.get_archive_link("tarball", sha)
        response = requests.get(url, timeout=self._github.config.request_timeout * 4,
                                headers=self._archive_headers(url), stream=True)  # fmt: skip
        with response:
            response.raise_for_status()
            limit = TARBALL_MAX_BYTES
            body = response.raw.read(limit + 1, decode_content=True)
        if len(body) > limit:
            return
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                # GitHub's tarballs hold one top folder, `owner-repo-sha/`.
                path = member.name.split("/", 1)[1] if "/" in member.name else member.name
                prefix = self._github.config.registry_prefix
                blob = wanted.get(path[len(prefix) :]) if path.startswith(prefix) else None
                handle = archive.extractfile(member) if blob else None
                if blob and handle is not None:
                    data = handle.read()
                    if _blob_sha(data) == blob:
                        self._github.blobs.put(blob, data)

    def _archive_headers(self, url: str) -> dict[str, str]:
        # The redirect target of a private repository carries its own token; on the same host
        # as the API (GitHub Enterprise, the tests) the installation token is sent too.
        if url.startswith(self._github.config.api_url):
            token = self._github.client_for(self).requester.auth
            header: dict[str, str] = {}
            if token is not None:
                token.authentication(header)
            return header
        return {}

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

    @github_step
    def reviews(self, number: int) -> list[tuple[str, str, str]]:
        """(login, state, commit id) of every review, oldest first."""
        pr = self._repo.get_pull(number)
        return [(r.user.login, r.state, r.commit_id or "") for r in pr.get_reviews()]

    @github_step
    def requested_reviewers(self, number: int) -> tuple[list[str], list[str]]:
        """Users and team slugs whose review is requested now."""
        users, teams = self._repo.get_pull(number).get_review_requests()
        return [u.login for u in users], [t.slug for t in teams]

    @github_step
    def request_reviewers(self, number: int, users: list[str],
                          teams: list[str]) -> dict[str, str]:  # fmt: skip
        """Ask for reviews; returns the reviewers GitHub refused (not a collaborator, no
        such team) with its reason. One refusal never stops the others being asked."""
        if not users and not teams:
            return {}
        pull = self._repo.get_pull(number)
        try:
            pull.create_review_request(reviewers=users, team_reviewers=teams)
            return {}
        except GithubException as exc:
            if exc.status not in (404, 422) or len(users) + len(teams) == 1:
                if exc.status in (404, 422):
                    return {(users or teams)[0]: _github_message(exc)}
                raise
        refused = {}  # the batch was refused: ask one by one to learn who cannot be asked
        for kind, names in (("reviewers", users), ("team_reviewers", teams)):
            for name in names:
                try:
                    pull.create_review_request(**{kind: [name]})
                except GithubException as exc:
                    if exc.status not in (404, 422):
                        raise
                    refused[name] = _github_message(exc)
        return refused

    @github_step
    def team_members(self, org: str, slug: str) -> list[str] | None:
        """Logins of a team's members (a team owner is satisfied by any member); None when
        the team does not exist or the App may not see it."""
        try:
            team = self._github.client_for(self).get_organization(org).get_team_by_slug(slug)
            return [m.login for m in team.get_members()]
        except GithubException as exc:
            if exc.status in (403, 404) and as_transient(exc) is None:
                return None
            raise

    @github_step
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

    @github_step
    def tag_message(self, name: str) -> str:
        ref = self._repo.get_git_ref(f"tags/{name}")
        if ref.object.type != "tag":
            return ""
        return str(self._repo.get_git_tag(ref.object.sha).message)

    @github_step
    def releases(self) -> dict[str, HeldRelease]:
        """Every release by tag name with its assets (one paginated listing), tags not
        peeled: `tag_commit` is left None here."""
        held = {}
        for release in self._repo.get_releases():
            held[release.tag_name] = HeldRelease(None, release.id, _held_assets(release))
        return held

    @github_step
    def release_state(self, tag: str) -> HeldRelease:
        commit = self.peel_tag(tag)
        try:
            release = self._repo.get_release(tag)
            return HeldRelease(commit, int(release.id), _held_assets(release))
        except GithubException as exc:
            if exc.status != 404:
                raise
            return HeldRelease(commit)

    @github_step
    def take_release_step(self, tag: str, commit: str, step: Step, title: str, changelog: str,
                          data: bytes = b"") -> None:  # fmt: skip
        """One step of a release (planned by registry.release.steps), itself idempotent: a
        retry whose first answer was lost finds what it wrote and does not write it twice."""
        if step.kind == CREATE_TAG:
            self._create_tag(tag, commit, changelog)
        elif step.kind == CREATE_RELEASE:
            try:
                self._repo.create_git_release(tag, name=title, message=changelog)
            except GithubException as exc:
                if exc.status != 422 or self.release_state(tag).release_id is None:
                    raise
        else:
            release = self._repo.get_release(tag)
            held = _held_assets(release).get(step.name)
            if step.kind == UPLOAD_ASSET and held and asset_problem(held, data) is None:
                return  # an earlier try uploaded it
            for asset in release.assets:
                if asset.name == step.name:
                    _delete_asset(asset)
            if step.kind == UPLOAD_ASSET:
                # Follows the release's upload_url (another host on github.com).
                release.upload_asset_from_memory(io.BytesIO(data), len(data), step.name,
                                                 content_type=_content_type(step.name))  # fmt: skip

    def _create_tag(self, tag: str, commit: str, message: str) -> None:
        tag_object = self._repo.create_git_tag(tag, message, commit, "commit")
        try:
            self._repo.create_git_ref(f"refs/tags/{tag}", tag_object.sha)
        except GithubException as exc:
            # An earlier try made the ref and its answer was lost: fine if it is ours.
            if exc.status != 422 or self.peel_tag(tag) != commit:
                raise

    @github_step
    def clear_check(self, sha: str, name: str, title: str, summary: str) -> None:
        """Turn a failing check of ours green once its cause is gone (e.g. trackplan/bot
        after a later delivery succeeded); nothing when there is none."""
        for run in self._repo.get_commit(sha).get_check_runs(check_name=name):
            if run.conclusion == "failure":
                run.edit(status="completed", conclusion="success",
                         output={"title": title, "summary": summary})  # fmt: skip
            return

    @github_step
    def commit_message(self, sha: str) -> str:
        return str(self._repo.get_git_commit(sha).message)

    @github_step
    def tags(self) -> list[str]:
        refs = self._repo.get_git_matching_refs("tags/")
        return [ref.ref.removeprefix("refs/tags/") for ref in refs]

    @github_step
    def find_comment(self, number: int, marker: str) -> tuple[int, str] | None:
        """The bot's comment on the PR: its marker *and* its author, the bot (anyone can
        paste the marker into a comment of theirs: the bot never edits it). Every page is
        read (it may not be on the first)."""
        for comment in self._repo.get_issue(number).get_comments():
            if marker in (comment.body or "") and self._by_the_bot(comment):
                return int(comment.id), str(comment.body)
        return None

    def _by_the_bot(self, comment: Any) -> bool:
        config = self._github.config
        raw = comment.raw_data  # as GitHub sent it: no request
        if not config.token:  # the App: GitHub marks what an installation token wrote
            app = raw.get("performed_via_github_app") or {}
            return isinstance(app, dict) and app.get("id") == config.app_id
        user = raw.get("user") or {}
        return isinstance(user, dict) and user.get("login") == config.comment_author

    @github_step
    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """Edit the bot's comment, or create it: never a second one."""
        found = self.find_comment(number, marker)
        if found is not None:
            comment_id, old_body = found
            if old_body != body:
                self._repo.get_issue(number).get_comment(comment_id).edit(body)
            return comment_id
        return int(self._repo.get_issue(number).create_comment(body).id)

    @github_step
    def check_run(self, head_sha: str, name: str, conclusion: str, title: str, summary: str,
                  text: str = "", annotations: list[Annotation] | None = None) -> int:  # fmt: skip
        """The completed check run `name` on `head_sha`, found again and updated rather than
        repeated; annotations past 50 go out in further updates, resumed where an earlier
        try stopped."""
        wanted = [a.to_api() for a in annotations or []]
        # The run carries a digest of its annotations: a run found again with the same
        # digest is resumed where an earlier try stopped; any other gets a new run (GitHub
        # shows the newest run of a name), since annotations can only be added, never taken.
        digest = _annotations_digest(wanted)
        output: dict[str, Any] = {"title": title, "summary": summary[:65535]}
        if text:
            output["text"] = text[:65535]
        run = None
        for existing in self._repo.get_commit(head_sha).get_check_runs(check_name=name):
            run = existing  # newest first
            break
        sent = run.output.annotations_count if run is not None else 0
        if run is None or run.external_id != digest or sent > len(wanted):
            run = self._repo.create_check_run(
                name=name, head_sha=head_sha, status="completed", conclusion=conclusion,
                external_id=digest, output={**output, "annotations": wanted[:MAX_ANNOTATIONS]},
            )  # fmt: skip
            sent = min(len(wanted), MAX_ANNOTATIONS)
        elif not _run_matches(run, conclusion, output) or sent < len(wanted):
            batch = wanted[sent : sent + MAX_ANNOTATIONS]
            run.edit(status="completed", conclusion=conclusion,
                     output={**output, "annotations": batch})  # fmt: skip
            sent = min(len(wanted), sent + MAX_ANNOTATIONS)
        for start in range(sent, len(wanted), MAX_ANNOTATIONS):
            run.edit(output={**output, "annotations": wanted[start : start + MAX_ANNOTATIONS]})
        return int(run.id)


def _pull_info(pr: Any) -> PullInfo:
    return PullInfo(
        number=pr.number, title=pr.title or "", body=pr.body or "", author=pr.user.login,
        draft=bool(pr.draft), state=pr.state, base_ref=pr.base.ref, base_sha=pr.base.sha,
        head_ref=pr.head.ref, head_sha=pr.head.sha, html_url=pr.html_url,
        repo_html_url=pr.base.repo.html_url,
    )  # fmt: skip


def _delete_asset(asset: Any) -> None:
    try:
        asset.delete_asset()
    except GithubException as exc:
        if exc.status != 404:  # gone already: an earlier try deleted it
            raise


def _annotations_digest(annotations: list[dict[str, Any]]) -> str:
    text = json.dumps(annotations, sort_keys=True, separators=(",", ":"))
    return "trackplan:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _run_matches(run: Any, conclusion: str, output: dict[str, Any]) -> bool:
    have = run.output
    return bool(
        run.status == "completed" and run.conclusion == conclusion
        and have.title == output["title"] and have.summary == output["summary"]
        and (have.text or "") == output.get("text", "")
    )  # fmt: skip


def _held_assets(release: Any) -> dict[str, HeldAsset]:
    held = {}
    for asset in release.assets:
        # Read from the listing (attributes present there are never fetched again).
        held[asset.name] = HeldAsset(int(asset.id), int(asset.size), asset.digest,
                                     asset.state in (None, "uploaded"))  # fmt: skip
    return held


def _github_message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return f"GitHub answered {exc.status}: {data.get('message') or 'no reason given'}"


def _blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".md"):
        return "text/markdown"
    return "text/plain"
