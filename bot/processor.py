"""Delivery handlers: fetch from GitHub, run the registry pipeline, publish the results."""

from __future__ import annotations

import json
from typing import Any

from bot.config import Config
from bot.gateway import Annotation, GitHub, PullInfo, RepoGateway
from bot.queue import Delivery
from registry.approvals import ApprovalStatus, Review, evaluate, owner_groups, stakeholder_table
from registry.artifacts import ReleaseInfo, build_artifacts
from registry.cache import ParseCache
from registry.changes import BREAKING
from registry.findings import ERROR, Finding
from registry.loader import load_registry
from registry.notes import extract_migration_notes
from registry.release import ReleaseError, Tag, plan_releases, pull_request_number
from registry.render import plural
from registry.report import DiffReport, compare
from registry.review import MARKER, Links, render_review
from registry.settings import settings_of
from registry.snapshot import Snapshot, is_registry_file
from registry.versions import latest_by_plan, tag_name, tag_pattern

VALIDATE_CHECK = "trackplan/validate"
REVIEW_CHECK = "trackplan/review"
RELEASE_CHECK = "trackplan/release"


class Processor:
    """Routes a stored delivery to its handler; returns a one-word outcome for the log."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.github = GitHub(config)
        self.parse = ParseCache(config.data_dir / "cache")

    def process(self, delivery: Delivery) -> str:
        payload: dict[str, Any] = json.loads(delivery.payload)
        if delivery.event in ("pull_request", "pull_request_review"):
            return self.pull_request(payload)
        if delivery.event == "push":
            return self.push(payload)
        return "ignored"

    def _repo(self, payload: dict[str, Any]) -> RepoGateway:
        installation = (payload.get("installation") or {}).get("id")
        full_name = payload["repository"]["full_name"]
        return self.github.repo(full_name, int(installation) if installation else None)

    def pull_request(self, payload: dict[str, Any]) -> str:
        repo = self._repo(payload)
        # The payload may be stale (deliveries are coalesced): read the PR as it is now.
        pull = repo.pull(int(payload["pull_request"]["number"]))
        if pull.state != "open":
            return "closed"
        touched = [p for p in repo.pull_files(pull.number) if is_registry_file(p)]
        if not touched:
            existing = repo.find_comment(pull.number, MARKER)
            if existing is None:
                return "no-plan-changes"
        base_sha = repo.merge_base(pull.base_sha, pull.head_sha)
        base, head = repo.snapshot(base_sha), repo.snapshot(pull.head_sha)
        released = latest_by_plan(repo.tags(), settings_of(head).release.tag)
        report = compare(base, head, released=released, parse=self.parse)
        notes = extract_migration_notes(pull.body)
        links = Links(
            head=f"{pull.repo_html_url}/blob/{pull.head_sha}/",
            base=f"{pull.repo_html_url}/blob/{base_sha}/",
        )
        approvals = self.approvals(repo, pull, report, touched)
        asked = self.request_reviews(repo, pull, approvals)
        table = stakeholder_table(approvals, asked)
        # What people wait for goes first: the comment, then the checks.
        body = render_review(report, notes, links, extra_sections=[table])
        repo.upsert_comment(pull.number, MARKER, body)
        self.publish_validation(repo, pull, report)
        self.publish_review(repo, pull, report, notes, approvals)
        return "reviewed"

    def approvals(self, repo: RepoGateway, pull: PullInfo, report: DiffReport,
                  touched: list[str]) -> ApprovalStatus:  # fmt: skip
        """Owner groups (CODEOWNERS and policy from the base) against the PR's reviews."""
        policy = report.base.settings.review
        groups = owner_groups(report.base, report.head, touched, report.changes)
        reviews = [Review(user, state, commit) for user, state, commit in repo.reviews(pull.number)]
        teams: dict[str, list[str]] = {}

        def members(team: str) -> list[str]:
            if team not in teams:
                org, slug = team.lstrip("@").split("/", 1)
                teams[team] = repo.team_members(org, slug)
            return teams[team]

        return evaluate(
            groups, reviews, author=pull.author, head_sha=pull.head_sha,
            breaking_policy=policy.breaking, default_policy=policy.default,
            fresh_only=policy.fresh_approvals, members=members,
        )  # fmt: skip

    def request_reviews(self, repo: RepoGateway, pull: PullInfo,
                        approvals: ApprovalStatus) -> set[str]:  # fmt: skip
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
        repo.request_reviewers(pull.number, new_users, new_teams)
        return asked | {f"@{u}" for u in new_users} | {f"@{org}/{t}" for t in new_teams}

    def publish_validation(self, repo: RepoGateway, pull: PullInfo, report: DiffReport) -> None:
        findings = report.head_findings
        errors = sum(1 for f in findings if f.level == ERROR)
        summary = (
            f"{plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')} in the plan "
            "files of this commit." if findings else "All plan files are valid."
        )  # fmt: skip
        repo.check_run(
            pull.head_sha, VALIDATE_CHECK, "failure" if errors else "success",
            "Invalid plan files" if errors else "Plan files are valid", summary,
            annotations=[_annotation(f) for f in findings],
        )  # fmt: skip

    def publish_review(self, repo: RepoGateway, pull: PullInfo, report: DiffReport,
                       notes: str | None, approvals: ApprovalStatus) -> None:  # fmt: skip
        breaking = report.count(BREAKING)
        missing = [(owner, g.group.why) for g in approvals.groups for owner in g.missing]
        blocked = [(user, g.group.why) for g in approvals.groups
                   for user in g.changes_requested_by]  # fmt: skip
        if breaking and not notes:
            conclusion, title = "failure", f"{plural(breaking, 'breaking change')}, no notes"
            summary = (
                f"This pull request makes {plural(breaking, 'breaking change')} and its "
                "description has no `Migration notes` section. Add one: what producers and "
                "consumers must change, and when."
            )
        elif breaking:
            conclusion, title = "success", f"{plural(breaking, 'breaking change')} with notes"
            summary = "Breaking changes come with migration notes."
        else:
            conclusion, title = "success", "No breaking changes"
            summary = "Nothing in this pull request breaks producers or consumers."
        if blocked:
            conclusion, title = "failure", "Changes requested by an owner"
            summary += "\n\nChanges requested by " + ", ".join(
                f"@{user} ({why})" for user, why in blocked) + "."  # fmt: skip
        elif missing and conclusion == "success":
            conclusion, title = "failure", f"Waiting for {plural(len(missing), 'approval')}"
        if missing:
            summary += "\n\nWaiting for approval from " + ", ".join(
                f"{owner} ({why})" for owner, why in missing) + "."  # fmt: skip
        text = "\n".join(f"- `{c.rule}` {c.message}: {c.migration}"
                         for c in report.changes if c.level == BREAKING)  # fmt: skip
        repo.check_run(pull.head_sha, REVIEW_CHECK, conclusion, title, summary, text)

    def push(self, payload: dict[str, Any]) -> str:
        """Release every plan changed since its last release, at the pushed commit."""
        repo = self._repo(payload)
        commit = str(payload["after"])
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
        info, notes = self.merged_pull(repo, message, commit)
        try:
            planned = plan_releases(head, commit, tags, repo.snapshot, notes=notes, info=info,
                                    parse=self.parse)  # fmt: skip
        except ReleaseError as exc:
            repo.commit_check(commit, RELEASE_CHECK, "failure", "Release refused", str(exc))
            return "refused"
        published, blocked = [], []
        for release in planned:
            if release.blocked:
                blocked.append(release)
                continue
            repo.publish_release(release.tag, commit, f"{release.plan} v{release.version}",
                                 release.changelog, release.artifacts)  # fmt: skip
            published.append(release.tag)
        published += self.resume(repo, head, commit, tags)
        if blocked:
            lines = [
                f"- {r.plan}: {plural(len(r.blocked), 'validation error')}, e.g. "
                f"{r.blocked[0].location}: {r.blocked[0].message}"
                for r in blocked
            ]
            repo.commit_check(commit, RELEASE_CHECK, "failure", "Plans not released",
                              "These plans fail validation and were not released:\n"
                              + "\n".join(lines))  # fmt: skip
        elif published:
            repo.commit_check(commit, RELEASE_CHECK, "success", "Released",
                              "Released " + ", ".join(published) + ".")  # fmt: skip
        return "released" if published else ("blocked" if blocked else "nothing-to-release")

    def resume(self, repo: RepoGateway, head: Snapshot, commit: str, tags: list[Tag]) -> list[str]:
        """Finish releases whose tag is at this commit already (a retry or a redelivery)."""
        done = []
        registry = None
        for tag in tags:
            if tag.commit != commit:
                continue
            if registry is None:
                registry = load_registry(head, parse=self.parse).registry
            plan, version = _plan_version(tag.name, registry.settings.release.tag)
            if plan not in registry.plans:
                continue
            text = repo.tag_message(tag.name)
            files = build_artifacts(registry.plans[plan], version, text)
            repo.publish_release(tag.name, commit, f"{plan} v{version}", text, files)
            done.append(tag.name)
        return done

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


def _plan_version(tag: str, template: str) -> tuple[str, str]:
    found = tag_pattern(template).fullmatch(tag)
    assert found is not None  # tags come from latest_by_plan, which matched them
    return found["plan"], found["version"]


def _annotation(finding: Finding) -> Annotation:
    level = "failure" if finding.level == ERROR else "warning"
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    return Annotation(finding.location.file, finding.location.line, level, finding.rule, message)
