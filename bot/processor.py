"""Delivery handlers: fetch from GitHub, run the registry pipeline, publish the results."""

from __future__ import annotations

import json
from typing import Any

from bot.config import Config
from bot.gateway import Annotation, GitHub, PullInfo, RepoGateway
from bot.queue import Delivery
from registry.cache import ParseCache
from registry.changes import BREAKING
from registry.findings import ERROR, Finding
from registry.notes import extract_migration_notes
from registry.render import plural
from registry.report import DiffReport, compare
from registry.review import MARKER, Links, render_review
from registry.settings import settings_of
from registry.snapshot import is_registry_file
from registry.versions import latest_by_plan

VALIDATE_CHECK = "trackplan/validate"
REVIEW_CHECK = "trackplan/review"


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
        # What people wait for goes first: the comment, then the checks.
        repo.upsert_comment(pull.number, MARKER, render_review(report, notes, links))
        self.publish_validation(repo, pull, report)
        self.publish_review(repo, pull, report, notes)
        return "reviewed"

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
                       notes: str | None) -> None:  # fmt: skip
        breaking = report.count(BREAKING)
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
        text = "\n".join(f"- `{c.rule}` {c.message}: {c.migration}"
                         for c in report.changes if c.level == BREAKING)  # fmt: skip
        repo.check_run(pull.head_sha, REVIEW_CHECK, conclusion, title, summary, text)


def _annotation(finding: Finding) -> Annotation:
    level = "failure" if finding.level == ERROR else "warning"
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    return Annotation(finding.location.file, finding.location.line, level, finding.rule, message)
