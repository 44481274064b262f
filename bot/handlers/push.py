"""The push handler: release what changed on the default branch, complete unfinished releases."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Set
from typing import Any

from bot.errors import Cancelled, TransientError
from bot.github.api import RepoGateway
from bot.handlers.base import RECONCILE, RELEASE_CHECK, Steps
from bot.handlers.notify import Notices
from registry.diff.changes import SEVERE
from registry.escape import md_code, md_text
from registry.load.loader import load_registry
from registry.load.settings import settings_of
from registry.records import replace
from registry.release.artifacts import ReleaseInfo, build_artifacts
from registry.release.planner import ReleaseError, Tag, plan_releases, pull_request_number
from registry.release.steps import HeldRelease, Step, fingerprint, looks_complete, missing_steps
from registry.release.versions import tag_name, tag_pattern, versions_by_plan
from registry.review.notes import extract_migration_notes
from registry.review.notices import release_notice
from registry.text import plural

log = logging.getLogger("trackplan.bot")


def publish_release(repo: RepoGateway, tag: str, commit: str, title: str, changelog: str,
                    assets: dict[str, bytes]) -> list[Step]:  # fmt: skip
    """Tag, release and assets, each only if missing or wrong: the steps are computed from
    what GitHub holds (registry.release.steps), so a retry, a redelivery or a reconcile pass
    finishes what an earlier attempt started and duplicates nothing. Returns the steps."""
    steps = missing_steps(tag, commit, assets, repo.release_state(tag))
    for step in steps:
        repo.take_release_step(tag, commit, step, title, changelog, assets.get(step.name, b""))
    return steps


class Pushes(Notices):
    """`push` and the periodic reconcile: releases, published idempotently."""

    def push(self, payload: dict[str, Any]) -> str:
        """Release every plan changed since its last release, at the pushed commit, and
        complete any earlier release that an interrupted attempt left unfinished."""
        repo = self._repo(payload)
        # Always the branch as it is now: a delayed or retried push must never release an
        # older commit over a newer release (pushes may be worked off out of order).
        pushed = str(payload["after"])
        branch = str(payload["repository"].get("default_branch") or "main")
        commit = repo.branch_sha(branch)
        head = repo.snapshot(commit)
        if not head.is_registry():
            return "no-registry"
        template = settings_of(head).release.tag
        # Each plan's newest release on this branch: a tag anyone put on another branch's
        # commit (a pull request's, unreviewed) is no release of it, nor a base to diff.
        # Such a tag newer than the branch's release is still there: the planner refuses to
        # release over it (a tag is never moved or reused) and says how to go on.
        reach: dict[str, bool] = {}
        tags, released = [], set()
        for plan, versions in versions_by_plan(repo.tags(), template).items():
            for version in versions:
                name = tag_name(template, plan, version)
                target = repo.peel_tag(name)
                if target is None:
                    continue
                tags.append(Tag(name, target))
                if self._on_branch(repo, target, commit, reach):
                    released.add(name)
                    break
        message = str((payload.get("head_commit") or {}).get("message") or "")
        if commit != pushed:
            message = repo.commit_message(commit)  # the merged PR is the tip's
        info, notes = self.merged_pull(repo, message, commit)
        try:
            planned = plan_releases(head, commit, tags, repo.snapshot, reachable=released,
                                    notes=notes, info=info, parse=self.parse)  # fmt: skip
        except ReleaseError as exc:
            repo.check_run(commit, RELEASE_CHECK, "failure", "Release refused", md_text(exc))
            return "refused"
        steps = Steps()
        published, blocked = [], []
        site = str(payload["repository"].get("html_url") or f"https://github.com/{repo.full_name}")
        for release in planned:
            if release.blocked:
                blocked.append(release)
                continue
            title = f"{release.plan} v{release.version}"
            if steps.run(release.tag, lambda r=release, t=title: publish_release(  # type: ignore[misc]
                    repo, r.tag, commit, t, r.changelog, r.artifacts)) is not None:  # fmt: skip
                published.append(release.tag)
        done = {r.tag for r in planned}
        unfinished: list[str] = []  # releases the repair could not complete
        repaired = steps.run("repair", lambda: self.repair(
            repo, template, commit, skip=done, failed=unfinished, reach=reach)) or []  # fmt: skip
        published += repaired
        # A retry finds its releases tagged already: the check still names them, unless
        # completing them failed again.
        here = {t.name for t in tags if t.commit == commit} | (set(published) - set(repaired))
        broken = sorted(here & set(unfinished))
        here -= set(broken)
        if broken:
            steps.run("release check", lambda: repo.check_run(
                commit, RELEASE_CHECK, "failure", "Release incomplete",
                "Tagged, but the GitHub release could not be completed: "
                + ", ".join(md_code(t) for t in broken)
                + ". The bot tries again on the next push and on its periodic pass."))  # fmt: skip
        if blocked:
            lines = "\n".join(
                f"- {md_code(r.plan)}: {plural(len(r.blocked), 'validation error')}, e.g. "
                f"{md_code(r.blocked[0].location)}: {md_text(r.blocked[0].message)}"
                for r in blocked
            )
            steps.run("release check", lambda: repo.check_run(
                commit, RELEASE_CHECK, "failure", "Plans not released",
                "These plans fail validation and were not released:\n" + lines))  # fmt: skip
        elif here and not steps.failed and not broken:
            steps.run("release check", lambda: repo.check_run(
                commit, RELEASE_CHECK, "success", "Released",
                "Released " + ", ".join(md_code(t) for t in sorted(here)) + "."))  # fmt: skip
        if here and not steps.failed:
            # Announced once complete, also when an earlier try made the tag: the notices'
            # ids keep a release from being announced twice.
            breaking = {r.tag: [c.message for c in r.changes if c.level in SEVERE]
                        for r in planned}  # fmt: skip
            pattern = tag_pattern(template)
            for name in sorted(here):
                match = pattern.fullmatch(name)
                if match is None:
                    continue
                url = f"{site}/releases/tag/{name}"
                notice = release_notice(repo.full_name, match["plan"], match["version"], url,
                                        breaking.get(name, []))  # fmt: skip
                steps.run("notify", lambda n=notice: self.notify(  # type: ignore[misc]
                    settings_of(head).notify, n))  # fmt: skip
        steps.raise_if_failed()
        return "released" if published else ("blocked" if blocked else "nothing-to-release")

    def merged_pull(self, repo: RepoGateway, message: str,
                    commit: str) -> tuple[ReleaseInfo, str | None]:  # fmt: skip
        """The merged PR (from the merge or squash commit message): number, author,
        approvers and migration notes, recorded in the changelog and the tag."""
        number = pull_request_number(message)
        if number is None:
            return ReleaseInfo(commit), None
        pull = repo.pull(number)
        latest: dict[str, str] = {}
        for user, state, _sha in repo.reviews(number):
            if state != "COMMENTED":
                latest[user] = state
        approvers = tuple(sorted(u for u, s in latest.items() if s == "APPROVED"))
        info = ReleaseInfo(commit, number, pull.author, approvers)
        return info, extract_migration_notes(pull.body)

    @staticmethod
    def _on_branch(repo: RepoGateway, commit: str, tip: str, known: dict[str, bool]) -> bool:
        """Whether `commit` is the branch's `tip` or one of its ancestors (one compare
        request a commit, remembered in `known`)."""
        if commit == tip:
            return True
        if commit not in known:
            known[commit] = repo.merge_base(commit, tip) == commit
        return known[commit]

    def reconcile(self, payload: dict[str, Any]) -> str:
        """The periodic pass over one repository: complete every unfinished release."""
        repo = self._repo(payload)
        branch = str(payload["repository"].get("default_branch") or "main")
        tip = repo.branch_sha(branch)
        head = repo.snapshot(tip)
        if not head.is_registry():
            return "no-registry"
        repaired = self.repair(repo, settings_of(head).release.tag, tip)
        return f"repaired-{len(repaired)}" if repaired else "complete"

    def repair(self, repo: RepoGateway, template: str, tip: str, skip: Set[str] = frozenset(),
               failed: list[str] | None = None,
               reach: dict[str, bool] | None = None) -> list[str]:  # fmt: skip
        """Finish every release of the repository that lacks its GitHub release or an asset,
        or whose assets are not the artifacts: one listing of tags and one of releases; a
        release is rebuilt (from the registry at the tag's commit and the tag's changelog)
        and checked byte for byte once, and again only when its assets change. Only tags on
        the default branch (at `tip` or before it) are releases: one on a pull request's
        commit is never published."""
        reach = {} if reach is None else reach
        pattern = tag_pattern(template)
        releases = repo.releases()
        repaired = []
        for name in sorted(repo.tags()):
            found = pattern.fullmatch(name)
            if found is None or name in skip:
                continue
            plan, version = found["plan"], found["version"]
            held = releases.get(name)
            if held is not None and self._verified(plan, version, held):
                continue
            try:
                if self._repair_one(repo, name, plan, version, tip, reach):
                    repaired.append(name)
            except (TransientError, Cancelled):
                raise
            except Exception:  # one broken old tag must not stop the others
                log.exception("could not complete release %s of %s", name, repo.full_name)
                if failed is not None:
                    failed.append(name)
                continue
        return repaired

    def _repair_one(self, repo: RepoGateway, name: str, plan: str, version: str, tip: str,
                    reach: dict[str, bool]) -> bool:  # fmt: skip
        commit = repo.peel_tag(name)
        if commit is None:
            return False
        if not self._on_branch(repo, commit, tip, reach):
            log.warning("tag %s of %s is on no commit of the default branch: not published",
                        name, repo.full_name)  # fmt: skip
            return False
        registry = load_registry(repo.snapshot(commit), parse=self.parse).registry
        if plan not in registry.plans:
            log.warning("tag %s names plan %s, which its commit does not hold", name, plan)
            return False
        text = repo.tag_message(name)
        files = build_artifacts(registry.plans[plan], version, text)
        steps = publish_release(repo, name, commit, f"{plan} v{version}", text, files)
        if steps:
            log.info("completed release %s of %s", name, repo.full_name)
        self.verified.add(fingerprint(repo.release_state(name)))
        return bool(steps)

    def _verified(self, plan: str, version: str, held: HeldRelease) -> bool:
        complete = looks_complete(plan, version, replace(held, tag_commit="listed"))
        return complete and self.verified.has(fingerprint(held))

    def reconcile_all(self) -> None:
        """Queue a reconcile of every repository the bot released to lately (one per period:
        the delivery id dedupes across worker processes)."""
        if self.queue is None:
            return
        period = int(time.time() // max(self.config.reconcile_seconds, 1))
        for body in self.queue.latest_payloads("push"):
            payload = json.loads(body)
            repository = payload.get("repository") or {}
            name = repository.get("full_name")
            if not isinstance(name, str):
                continue
            job = {"repository": {"full_name": name,
                                  "default_branch": repository.get("default_branch")},
                   "installation": payload.get("installation")}  # fmt: skip
            self.queue.put(f"reconcile-{name}-{period}", RECONCILE, f"{name}@release", False,
                           json.dumps(job).encode())  # fmt: skip
