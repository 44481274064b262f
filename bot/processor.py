"""Delivery handlers: fetch from GitHub, run the registry pipeline, publish the results."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence, Set
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Config
from bot.errors import Cancelled, TransientError
from bot.gateway import Annotation, GitHub, PullInfo, RepoGateway
from bot.notifier import NotifyRefused, notify_scope, send
from bot.queue import Delivery, DeliveryQueue
from bot.worker import raise_if_cancelled
from registry.about import installed_version
from registry.approvals import (
    ApprovalStatus,
    Review,
    evaluate,
    owner_groups,
    stakeholder_table,
    teams_of,
)
from registry.artifacts import ReleaseInfo, build_artifacts
from registry.cache import ParseCache
from registry.changes import BREAKING, INFO
from registry.check_text import bounded, breaking_text, validation_summary, waiting_for
from registry.escape import md_code, md_text
from registry.findings import ERROR, Finding
from registry.loader import load_registry
from registry.model import Registry
from registry.notes import extract_migration_notes
from registry.notify import Notice, pull_request_notice, release_notice
from registry.policy import BASE, Policy
from registry.progress import checkpoints
from registry.release import ReleaseError, Tag, plan_releases, pull_request_number
from registry.release_steps import HeldRelease, Step, fingerprint, looks_complete, missing_steps
from registry.render import plural
from registry.render_diff import head_location
from registry.report import DiffReport, compare
from registry.review import MARKER, Links, render_review
from registry.settings import NOTIFY_ENV_PREFIX, Receiver, settings_of
from registry.verdict import REVIEW_CHECK, SUCCESS, VALIDATE_CHECK, Verdict, judge
from registry.versions import latest_by_plan, tag_name, tag_pattern

RELEASE_CHECK = "trackplan/release"
log = logging.getLogger("trackplan.bot")
T = TypeVar("T")


BOT_CHECK = "trackplan/bot"
NOTIFY = "notify"  # an event of our own: one notice to one receiver (queued, retried)
RECONCILE = "reconcile"  # an event of our own: check and complete a repository's releases


class RegistryTooLarge(Exception):
    """A side of the pull request holds more registry bytes than one review may read."""


class _Steps:
    """Runs publishing steps so that the failure of one never silences the rest. Afterwards
    a transient failure retries the delivery (every step is idempotent); a permanent one
    fails it, once every other step has had its turn."""

    def __init__(self) -> None:
        self.failed: list[TransientError] = []
        self.broken: list[tuple[str, Exception]] = []

    def run(self, name: str, step: Callable[[], T]) -> T | None:
        raise_if_cancelled()  # given back to the queue: another process may hold it now
        try:
            return step()
        except TransientError as exc:
            log.warning("step %s failed, the others go on: %s", name, exc)
            self.failed.append(exc)
        except Exception as exc:
            log.exception("step %s failed for good, the others go on", name)
            self.broken.append((name, exc))
        return None

    def raise_if_failed(self) -> None:
        if self.failed:
            waits = [e.retry_after for e in self.failed if e.retry_after is not None]
            raise TransientError(
                "; ".join(str(e) for e in self.failed), max(waits) if waits else None
            )
        if self.broken:
            name, exc = self.broken[0]
            raise RuntimeError(f"{name}: {exc.__class__.__name__}: {exc}") from exc


class Fingerprints:
    """Release fingerprints checked byte for byte already, one per line in the data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def has(self, value: str) -> bool:
        try:
            return value in self.path.read_text().split()
        except OSError:
            return False

    def add(self, value: str) -> None:
        if not self.has(value):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as handle:  # O_APPEND: whole lines from any process
                handle.write(value + "\n")


def publish_release(repo: RepoGateway, tag: str, commit: str, title: str, changelog: str,
                    assets: dict[str, bytes]) -> list[Step]:  # fmt: skip
    """Tag, release and assets, each only if missing or wrong: the steps are computed from
    what GitHub holds (registry.release_steps), so a retry, a redelivery or a reconcile pass
    finishes what an earlier attempt started and duplicates nothing. Returns the steps."""
    steps = missing_steps(tag, commit, assets, repo.release_state(tag))
    for step in steps:
        repo.take_release_step(tag, commit, step, title, changelog, assets.get(step.name, b""))
    return steps


class Processor:
    """Routes a stored delivery to its handler; returns a one-word outcome for the log."""

    def __init__(self, config: Config, queue: DeliveryQueue | None = None) -> None:
        self.config = config
        self.queue = queue
        self.github = GitHub(config, queue)
        self.parse = ParseCache(config.data_dir / "cache")
        self.verified = Fingerprints(config.data_dir / "verified-releases.txt")
        # What the last review published: check name -> conclusion, and its verdict (the
        # GitHub Action sets its job status from them; a crash leaves no verdict).
        self.outcome: dict[str, str] = {}
        self.last_verdict: Verdict | None = None

    def process(self, delivery: Delivery) -> str:
        # The domain's long work (loading, checks, the diff) checks in between its steps: a
        # delivery past its time budget or given back stops there, not only before a write.
        with checkpoints(raise_if_cancelled):
            return self._process(delivery)

    def _process(self, delivery: Delivery) -> str:
        payload: dict[str, Any] = json.loads(delivery.payload)
        if delivery.event in ("pull_request", "pull_request_review"):
            return self.pull_request(payload)
        if delivery.event == "push":
            return self.push(payload)
        if delivery.event == RECONCILE:
            return self.reconcile(payload)
        if delivery.event == NOTIFY:
            return self.send_notice(payload, delivery.id)
        return "ignored"

    def _repo(self, payload: dict[str, Any]) -> RepoGateway:
        installation = (payload.get("installation") or {}).get("id")
        full_name = payload["repository"]["full_name"]
        return self.github.repo(full_name, int(installation) if installation else None)

    def give_up(self, delivery: Delivery, error: str) -> None:
        """Say on the commit that the bot could not finish: a silent gate is worse than none."""
        payload: dict[str, Any] = json.loads(delivery.payload)
        repo = self._repo(payload)
        if delivery.event == "push":
            sha = str(payload["after"])
        elif delivery.event in ("pull_request", "pull_request_review"):
            sha = repo.pull(int(payload["pull_request"]["number"])).head_sha  # as it is now
        else:
            return
        hours = self.config.give_up_after_seconds / 3600
        summary = (
            f"trackplan could not finish its work on this {delivery.event} delivery "
            f"({md_code(delivery.id)}) after {plural(delivery.attempts, 'attempt')}: "
            f"{md_text(error)}\n\n"
            f"It retried for up to {hours:g} hours. Push a new commit, or redeliver the "
            "webhook from the App's settings, to try again."
        )
        repo.check_run(sha, BOT_CHECK, "failure", "trackplan could not finish",
                                         summary)  # fmt: skip

    def pull_request(self, payload: dict[str, Any]) -> str:
        repo = self._repo(payload)
        # The payload may be stale (deliveries are coalesced): read the PR as it is now.
        pull = repo.pull(int(payload["pull_request"]["number"]))
        if pull.state != "open":
            return "closed"
        try:
            fetched = self._fetch_and_compare(repo, pull)
        except (TransientError, Cancelled):
            raise
        except RegistryTooLarge as exc:  # refused before anything is fetched or parsed
            return self._crashed(repo, pull, exc, str(exc))
        except Exception as exc:  # a bug of ours, or a repository we cannot read whole:
            log.exception("could not review %s#%d", repo.full_name, pull.number)
            return self._crashed(repo, pull, exc)  # never leave a PR without a verdict
        if fetched is None:
            return "no-plan-changes"
        report, policy, touched, reviews, links = fetched
        notes = extract_migration_notes(pull.body)
        problems: list[str] = []
        approvals = self.approvals(repo, pull, report, policy, touched, reviews, problems)
        steps = _Steps()
        asked = steps.run(
            "review requests", lambda: self.request_reviews(repo, pull, approvals, problems)
        )
        table = stakeholder_table(approvals, asked or set())
        sections = [table] + ([_problems_section(problems)] if problems else [])
        # What people wait for goes first: the comment, then the checks.
        verdict = judge(report, notes, approvals)
        footer = (f"Compared {md_code(report.base_label)} (merge base) with "
                  f"{md_code(report.head_label)} "
                  f"(head) · trackplan {installed_version()}")  # fmt: skip
        body = render_review(report, notes, links, extra_sections=sections,
                             verdict=verdict, footer=footer)  # fmt: skip
        if self.config.post_comment:
            steps.run("comment", lambda: repo.upsert_comment(pull.number, MARKER, body))
        self.last_verdict = verdict
        steps.run("validate check",
                  lambda: self.publish_validation(repo, pull, report, links, verdict))  # fmt: skip
        steps.run("review check", lambda: self.publish_review(
            repo, pull, report, links, verdict, problems))  # fmt: skip
        # Announced once per pull request, when a review first finds it ready (not a draft)
        # with breaking changes: opened, or marked ready (bursts are coalesced, so the
        # webhook's action cannot say which).
        # The Action has no queue to remember what it sent: it announces on the events that
        # make a pull request ready (opened, reopened, marked ready) only.
        ready = str(payload.get("action") or "") in ("opened", "reopened", "ready_for_review")
        if not pull.draft and (self.queue is not None or ready):
            breaking = [c.message for c in report.changes if c.level == BREAKING]
            if breaking:
                notice = pull_request_notice(repo.full_name, pull.number, pull.title,
                                             pull.html_url, pull.head_sha, breaking,
                                             approvals.owners_to_request())  # fmt: skip
                receivers = policy.settings.notify  # the base tip's, like the review policy
                steps.run("notify", lambda: self.notify(receivers, notice))
        if not steps.failed and not steps.broken:
            done = "A later delivery for this commit succeeded."
            steps.run("bot check", lambda: repo.clear_check(
                pull.head_sha, BOT_CHECK, "trackplan finished", done))  # fmt: skip
        steps.raise_if_failed()
        return "reviewed"

    def _fetch_and_compare(
        self, repo: RepoGateway, pull: PullInfo
    ) -> tuple[DiffReport, Registry, list[str], list[tuple[str, str, str]], Links] | None:
        """Everything the review needs; None when the PR touches no registry file."""
        # Ownership and policy come from the base branch as it is now; the diff from the
        # merge base. A PR branched from an old main cannot pick an older, laxer policy.
        base_tip = repo.branch_sha(pull.base_ref)
        base_sha = repo.merge_base(base_tip, pull.head_sha)
        base_tree, head_tree = repo.tree(base_sha), repo.tree(pull.head_sha)
        limit = self.config.max_registry_bytes
        for side, tree in (("head", head_tree), ("base", base_tree)):
            if tree.registry_bytes > limit:
                raise RegistryTooLarge(
                    f"The registry files at the {side} of this pull request come to "
                    f"{tree.registry_bytes / 2**20:.1f} MiB, over the {limit / 2**20:.0f} MiB "
                    "one review may read (TRACKPLAN_MAX_REGISTRY_MIB of the bot). Split the "
                    "plans or remove what is not a plan; `trackplan review BASE HEAD` runs "
                    "offline without this limit."
                )
        touched = changed_paths(base_tree.files, head_tree.files)
        if not touched and repo.find_comment(pull.number, MARKER) is None:
            return None
        base = repo.snapshot(base_sha, base_tree)
        head = repo.snapshot(pull.head_sha, head_tree)
        tip = base if base_tip == base_sha else repo.snapshot(base_tip)
        tags = repo.tags()
        reviews = repo.reviews(pull.number)
        # Every rule that judges the PR is the base tip's: settings and plan conventions.
        policy = load_registry(tip, parse=self.parse).registry
        released = latest_by_plan(tags, policy.settings.release.tag)
        report = compare(base, head, released=released, parse=self.parse,
                         policy=Policy.of(policy, BASE))  # fmt: skip
        prefix = self.config.registry_prefix
        links = Links(
            head=f"{pull.repo_html_url}/blob/{pull.head_sha}/{prefix}",
            base=f"{pull.repo_html_url}/blob/{base_sha}/{prefix}",
            rules=policy.settings.review.rules_url,
        )
        return report, policy, touched, reviews, links

    def _crashed(self, repo: RepoGateway, pull: PullInfo, exc: Exception,
                 refusal: str = "") -> str:  # fmt: skip
        reason = md_code(f"{exc.__class__.__name__}: {str(exc)[:300]}")
        said = refusal or (
            f"Reading or comparing its plans failed with an internal error ({reason}). The "
            "checks stay failing until a fixed trackplan can review it; `trackplan review "
            "BASE HEAD` shows the same error offline. Please report it."
        )
        body = (f"{MARKER}\n## trackplan review\n\n**trackplan could not review this pull "
                f"request.** {said}\n")  # fmt: skip
        steps = _Steps()
        if self.config.post_comment:
            steps.run("comment", lambda: repo.upsert_comment(pull.number, MARKER, body))
        self.outcome.update({VALIDATE_CHECK: "failure", REVIEW_CHECK: "failure"})
        for name in (VALIDATE_CHECK, REVIEW_CHECK):
            steps.run(
                name,
                lambda name=name: repo.check_run(  # type: ignore[misc]
                    pull.head_sha, name, "failure", "trackplan could not review", body
                ),
            )
        steps.raise_if_failed()
        return "crashed"

    def approvals(self, repo: RepoGateway, pull: PullInfo, report: DiffReport, tip: Registry,
                  touched: list[str], reviews: list[tuple[str, str, str]],
                  problems: list[str]) -> ApprovalStatus:  # fmt: skip
        """Owner groups (CODEOWNERS and policy from the base tip) against the PR's reviews."""
        policy = tip.settings.review
        groups = owner_groups(report.base, report.head, touched, report.changes, policy_from=tip)
        members: dict[str, list[str]] = {}
        for team in teams_of(groups):  # fetched first: the decision itself never calls out
            org, _, slug = team.lstrip("@").partition("/")
            found = repo.team_members(org, slug)
            if found is None:
                problems.append(
                    f"team {md_code(team)} does not exist, or the App cannot see it (it needs "
                    "the Members: read permission): nobody can approve for it"
                )
            members[team] = found or []
        return evaluate(
            groups, [Review(user, state, commit) for user, state, commit in reviews],
            author=pull.author, head_sha=pull.head_sha,
            breaking_policy=policy.breaking, default_policy=policy.default,
            fresh_only=policy.fresh_approvals, members=members,
        )  # fmt: skip

    def request_reviews(self, repo: RepoGateway, pull: PullInfo, approvals: ApprovalStatus,
                        problems: list[str]) -> set[str]:  # fmt: skip
        """Ask the owners still missing who were not asked yet; never the author, never on
        a draft. Returns every owner whose review is requested now."""
        users, teams = repo.requested_reviewers(pull.number)
        asked = {f"@{u}" for u in users}
        org = repo.full_name.split("/", 1)[0]
        asked |= {f"@{org}/{t}" for t in teams}
        if pull.draft:
            return asked
        wanted = [o for o in approvals.owners_to_request() if o not in asked]
        new_users = [o[1:] for o in wanted
                     if o.startswith("@") and "/" not in o and o[1:] != pull.author]  # fmt: skip
        new_teams = [o.split("/", 1)[1] for o in wanted if o.startswith("@") and "/" in o]
        refused = repo.request_reviewers(pull.number, new_users, new_teams)
        for name, why in sorted(refused.items()):
            owner = f"@{org}/{name}" if name in new_teams else f"@{name}"
            problems.append(f"could not request a review from {md_code(owner)}: {md_text(why)}")
        asked |= {f"@{u}" for u in new_users if u not in refused}
        return asked | {f"@{org}/{t}" for t in new_teams if t not in refused}

    def publish_validation(self, repo: RepoGateway, pull: PullInfo, report: DiffReport,
                           links: Links, verdict: Verdict) -> None:  # fmt: skip
        findings = report.head_findings
        summary = validation_summary(findings, links, "trackplan validate --format json")
        conclusion = verdict.validation_check()
        self.outcome[VALIDATE_CHECK] = conclusion
        repo.check_run(
            pull.head_sha, VALIDATE_CHECK, conclusion,
            "Plan files are valid" if conclusion == SUCCESS else "Invalid plan files", summary,
            annotations=[_annotation(f, self.config.registry_prefix) for f in findings],
        )  # fmt: skip

    def publish_review(self, repo: RepoGateway, pull: PullInfo, report: DiffReport, links: Links,
                       verdict: Verdict, problems: Sequence[str] = ()) -> None:  # fmt: skip
        conclusion, title = verdict.review_check()
        breaking = verdict.breaking
        if breaking and not verdict.has_notes:
            summary = (
                f"This pull request makes {plural(breaking, 'breaking change')} and its "
                "description has no `Migration notes` section. Add one: what producers and "
                "consumers must change, and when."
            )
        elif breaking:
            summary = "Breaking changes come with migration notes."
        else:
            summary = "Nothing in this pull request breaks producers or consumers."
        if verdict.unreadable:
            names = ", ".join(md_code(plan) for plan in verdict.unreadable)
            summary = (
                f"Plans {names} could not be compared: a file does not parse or a definition "
                "does not validate (see `trackplan/validate`). Their changes are unknown, so "
                "this review cannot pass until they are fixed.\n\n" + summary
            )
        if verdict.changes_requested:
            said = [f"{md_code('@' + user)} ({md_text(why)})"
                    for user, why in verdict.changes_requested]  # fmt: skip
            summary += "\n\nChanges requested by " + ", ".join(said) + "."
        if verdict.waiting_for:
            summary += "\n\n" + waiting_for(verdict.waiting_for)
        if problems:
            summary += "\n\n" + _problems_section(problems)
        command = f"trackplan review {report.base_label} {report.head_label} --format json"
        text = breaking_text(report, links, command)
        self.outcome[REVIEW_CHECK] = conclusion
        annotations = _change_annotations(report, self.config.registry_prefix)
        repo.check_run(pull.head_sha, REVIEW_CHECK, conclusion, title,
                       bounded(summary.split("\n")), text, annotations=annotations)  # fmt: skip

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
        latest = latest_by_plan(repo.tags(), template)
        tags = []
        for plan, version in latest.items():
            name = tag_name(template, plan, version)
            target = repo.peel_tag(name)
            if target is not None:
                tags.append(Tag(name, target))
        message = str((payload.get("head_commit") or {}).get("message") or "")
        if commit != pushed:
            message = repo.commit_message(commit)  # the merged PR is the tip's
        info, notes = self.merged_pull(repo, message, commit)
        try:
            planned = plan_releases(head, commit, tags, repo.snapshot, notes=notes, info=info,
                                    parse=self.parse)  # fmt: skip
        except ReleaseError as exc:
            repo.check_run(commit, RELEASE_CHECK, "failure", "Release refused", md_text(exc))
            return "refused"
        steps = _Steps()
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
        repaired = steps.run("repair", lambda: self.repair(repo, template, skip=done)) or []
        published += repaired
        # A retry finds its releases tagged already: the check still names them.
        here = {t.name for t in tags if t.commit == commit} | set(published) - set(repaired)
        if blocked:
            lines = "\n".join(
                f"- {md_code(r.plan)}: {plural(len(r.blocked), 'validation error')}, e.g. "
                f"{md_code(r.blocked[0].location)}: {md_text(r.blocked[0].message)}"
                for r in blocked
            )
            steps.run("release check", lambda: repo.check_run(
                commit, RELEASE_CHECK, "failure", "Plans not released",
                "These plans fail validation and were not released:\n" + lines))  # fmt: skip
        elif here and not steps.failed:
            steps.run("release check", lambda: repo.check_run(
                commit, RELEASE_CHECK, "success", "Released",
                "Released " + ", ".join(md_code(t) for t in sorted(here)) + "."))  # fmt: skip
        if here and not steps.failed:
            # Announced once complete, also when an earlier try made the tag: the notices'
            # ids keep a release from being announced twice.
            breaking = {r.tag: [c.message for c in r.changes if c.level == BREAKING]
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

    def notify(self, receivers: Sequence[Receiver], notice: Notice) -> None:
        """Queue the notice for every receiver that wants it: each one a delivery of its
        own (retried with backoff, never in the way of a review or a release), its id made
        from the notice's key, so a redelivered webhook never sends it twice. Without a
        queue (the GitHub Action) it is sent now, and a failure is only logged."""
        for receiver in receivers:
            if notice.event not in receiver.on:
                continue
            body = json.dumps({"receiver": receiver.__dict__ | {"on": list(receiver.on)},
                               "notice": notice.__dict__}, sort_keys=True)  # fmt: skip
            delivery_id = f"notify:{receiver.id}:{notice.key}"
            if self.queue is not None:
                self.queue.put(delivery_id, NOTIFY, None, False, body.encode())
            else:
                try:
                    self.send_notice(json.loads(body), delivery_id)
                except Exception as exc:  # best effort without a queue; never fails the run
                    log.warning("notice %s not sent: %s", delivery_id, exc)

    def send_notice(self, payload: dict[str, Any], delivery_id: str) -> str:
        raw = payload["receiver"]
        receiver = Receiver(raw["kind"], raw["url_env"], raw.get("secret_env", ""),
                            tuple(raw.get("on") or ()))  # fmt: skip
        notice = Notice(**payload["notice"])
        try:
            # The App serves many owners: each names only its own variables. The Action's
            # environment is its own repository's: any TRACKPLAN_NOTIFY_* of it.
            scope = (NOTIFY_ENV_PREFIX if self.config.token
                     else notify_scope(str(notice.data["repository"])))  # fmt: skip
            status = send(receiver, notice, delivery_id, os.environ, scope)
        except NotifyRefused as exc:
            log.warning("notice %s dropped: %s", delivery_id, exc)
            return "notify-refused"
        return f"notified ({status})"

    def reconcile(self, payload: dict[str, Any]) -> str:
        """The periodic pass over one repository: complete every unfinished release."""
        repo = self._repo(payload)
        branch = str(payload["repository"].get("default_branch") or "main")
        head = repo.snapshot(repo.branch_sha(branch))
        if not head.is_registry():
            return "no-registry"
        repaired = self.repair(repo, settings_of(head).release.tag)
        return f"repaired-{len(repaired)}" if repaired else "complete"

    def repair(self, repo: RepoGateway, template: str, skip: Set[str] = frozenset()) -> list[str]:
        """Finish every release of the repository that lacks its GitHub release or an asset,
        or whose assets are not the artifacts: one listing of tags and one of releases; a
        release is rebuilt (from the registry at the tag's commit and the tag's changelog)
        and checked byte for byte once, and again only when its assets change."""
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
                if self._repair_one(repo, name, plan, version):
                    repaired.append(name)
            except (TransientError, Cancelled):
                raise
            except Exception:  # one broken old tag must not stop the others
                log.exception("could not complete release %s of %s", name, repo.full_name)
                continue
        return repaired

    def _repair_one(self, repo: RepoGateway, name: str, plan: str, version: str) -> bool:
        commit = repo.peel_tag(name)
        if commit is None:
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


def changed_paths(base: dict[str, str], head: dict[str, str]) -> list[str]:
    """Registry files that differ between two trees (by blob sha): added, removed, changed."""
    return sorted(p for p in base.keys() | head.keys() if base.get(p) != head.get(p))


def _problems_section(problems: Sequence[str]) -> str:
    lines = ["### Problems the bot met", ""]
    lines += [f"- {problem}" for problem in problems]
    return "\n".join(lines)


def _change_annotations(report: DiffReport, prefix: str = "") -> list[Annotation]:
    """Every breaking change and warning on the HEAD line it concerns (for a removal, the
    nearest part of it HEAD still has): the full list, beyond what the check text holds."""
    out = []
    for change in report.changes:
        if change.level == INFO:
            continue
        where = head_location(report.head, change)
        if where is None or where.line < 1:
            continue
        level = "failure" if change.level == BREAKING else "warning"
        message = f"{change.message}\nMigration: {change.migration}"
        out.append(Annotation(prefix + where.file, where.line, level, change.rule, message))
    return out


def _annotation(finding: Finding, prefix: str = "") -> Annotation:
    level = "failure" if finding.level == ERROR else "warning"
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    return Annotation(prefix + finding.location.file, finding.location.line, level, finding.rule,
                      message)  # fmt: skip
