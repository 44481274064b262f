"""The pull request handler: fetch both sides, diff, comment, checks, review requests."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from bot.errors import Cancelled, TransientError
from bot.github.api import Annotation, PullInfo, RepoGateway
from bot.handlers.base import BOT_CHECK, Steps
from bot.handlers.notify import Notices
from registry.about import installed_version
from registry.diff.changes import INFO, SEVERE
from registry.diff.compare import DiffReport, compare
from registry.diff.render import head_location
from registry.escape import md_code, md_text
from registry.findings import ERROR, Finding
from registry.load.loader import load_registry
from registry.load.model import Registry
from registry.load.policy import BASE, Policy
from registry.records import record
from registry.release.versions import latest_by_plan
from registry.review.approvals import (
    ApprovalStatus,
    Review,
    approver_lines,
    evaluate,
    owner_groups,
    stakeholder_table,
    teams_of,
)
from registry.review.check_runs import bounded, breaking_text, validation_summary, waiting_for
from registry.review.comment import MARKER, Links, readers_of, render_review
from registry.review.notes import extract_migration_notes
from registry.review.notices import pull_request_notice
from registry.review.verdict import (
    FAILURE,
    REVIEW_CHECK,
    SUCCESS,
    VALIDATE_CHECK,
    Verdict,
    accepted_waivers,
    judge,
)
from registry.text import plural

log = logging.getLogger("trackplan.bot")


@record(frozen=True)
class Sibling:
    """Another open pull request of the same head commit, and its checks' conclusions."""

    pull: PullInfo
    review: str
    title: str
    validation: str


class RegistryTooLarge(Exception):
    """A side of the pull request holds more registry bytes than one review may read."""


class PullRequests(Notices):
    """`pull_request` and `pull_request_review`: the review of a pull request."""

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
        steps = Steps()
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
        # The checks are the commit's: another open pull request of this head (into another
        # branch, with a laxer policy; or with other reviews) must not turn this one's gate
        # green, nor this one its. Not known (GitHub failed): no checks this time; the retry
        # publishes them.
        others = steps.run("other pull requests", lambda: self.other_pulls(repo, pull))
        if others is not None:
            steps.run("validate check", lambda: self.publish_validation(
                repo, pull, report, links, verdict, others))  # fmt: skip
            steps.run("review check", lambda: self.publish_review(
                repo, pull, report, links, verdict, problems, approvals, others))  # fmt: skip
        # Announced once per pull request, when a review first finds it ready (not a draft)
        # with breaking changes: opened, or marked ready (bursts are coalesced, so the
        # webhook's action cannot say which).
        # The Action has no queue to remember what it sent: it announces on the events that
        # make a pull request ready (opened, reopened, marked ready) only.
        ready = str(payload.get("action") or "") in ("opened", "reopened", "ready_for_review")
        if not pull.draft and (self.queue is not None or ready):
            accepted = accepted_waivers(report, verdict.waivers_approved)
            severe = [c for c in report.changes if c.level in SEVERE and id(c) not in accepted]
            breaking = [c.message for c in severe]
            if breaking:
                readers = list(dict.fromkeys(n for c in severe for n in readers_of(report, c)))
                notice = pull_request_notice(repo.full_name, pull.number, pull.title,
                                             pull.html_url, pull.head_sha, breaking,
                                             approvals.owners_to_request(), readers)  # fmt: skip
                receivers = policy.settings.notify  # the base tip's, like the review policy
                steps.run("notify", lambda: self.notify(receivers, notice))
        if not steps.failed and not steps.broken:
            done = "A later delivery for this commit succeeded."
            steps.run("bot check", lambda: repo.clear_check(
                pull.head_sha, BOT_CHECK, "trackplan finished", done))  # fmt: skip
        steps.raise_if_failed()
        return "reviewed"

    def other_pulls(self, repo: RepoGateway, pull: PullInfo) -> list[Sibling]:
        """Each other open pull request of this head commit, as its own base branch's policy
        and its own reviews judge it."""
        found: list[Sibling] = []
        for other in repo.open_pulls_at(pull.head_sha):
            if other.number == pull.number:
                continue
            try:
                fetched = self._fetch_and_compare(repo, other)
            except (TransientError, Cancelled):
                raise
            except Exception as exc:  # its own review says why; here it cannot pass
                log.warning("could not review %s#%d beside #%d: %s", repo.full_name,
                            other.number, pull.number, exc)  # fmt: skip
                found.append(Sibling(other, FAILURE, "trackplan could not review", FAILURE))
                continue
            if fetched is None:
                continue  # no plan file differs from that branch
            report, policy, touched, reviews, _links = fetched
            approvals = self.approvals(repo, other, report, policy, touched, reviews, [])
            verdict = judge(report, extract_migration_notes(other.body), approvals)
            found.append(Sibling(other, *verdict.review_check(), verdict.validation_check()))
        return found

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
        steps = Steps()
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
        groups = owner_groups(report.base, report.head, touched, report.changes, policy_from=tip,
                              waived=report.waived)  # fmt: skip
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
                           links: Links, verdict: Verdict,
                           others: Sequence[Sibling] = ()) -> None:  # fmt: skip
        findings = report.head_findings
        summary = validation_summary(findings, links, "trackplan validate --format json")
        conclusion = verdict.validation_check()
        title = "Plan files are valid" if conclusion == SUCCESS else "Invalid plan files"
        failing = [o.pull for o in others if o.validation != SUCCESS]
        if failing and conclusion == SUCCESS:
            conclusion = FAILURE
            title = f"Invalid plan files for pull request #{failing[0].number} of this commit"
            into = ", ".join(f"#{p.number} into {md_code(p.base_ref)}" for p in failing)
            summary += (
                f"\n\nThis commit is also the head of {into}, whose branch's conventions it "
                "does not meet. A check belongs to the commit: it passes when the plan files "
                "are valid for every open pull request of it."
            )
        self.outcome[VALIDATE_CHECK] = conclusion
        repo.check_run(
            pull.head_sha, VALIDATE_CHECK, conclusion, title, summary,
            annotations=[_annotation(f, self.config.registry_prefix) for f in findings],
        )  # fmt: skip

    def publish_review(self, repo: RepoGateway, pull: PullInfo, report: DiffReport, links: Links,
                       verdict: Verdict, problems: Sequence[str] = (),
                       approvals: ApprovalStatus | None = None,
                       others: Sequence[Sibling] = ()) -> None:  # fmt: skip
        conclusion, title = verdict.review_check()
        failing = [(o.pull, o.title) for o in others if o.review != SUCCESS]
        if failing and conclusion == SUCCESS:
            conclusion = FAILURE
            title = f"Pull request #{failing[0][0].number} of this commit is not ready"
        breaking = verdict.breaking
        if verdict.forbidden:
            summary = (
                f"This pull request makes {plural(verdict.forbidden, 'change')} the registry's "
                "policy forbids (level `error`): undo them, or add a waiver that the owners of "
                "`waivers.yaml` approve."
            )
        elif breaking and not verdict.has_notes:
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
        if failing:
            pending = "; ".join(f"#{other.number} into {md_code(other.base_ref)}: "
                                f"{md_text(why)}" for other, why in failing)  # fmt: skip
            summary += (
                "\n\nThis commit is also the head of other pull requests, whose reviews do not "
                f"pass ({pending}). A check belongs to the commit, not to one pull request: it "
                "passes when the review of every open pull request of the commit does."
            )
        command = f"trackplan review {report.base_label} {report.head_label} --format json"
        text = breaking_text(report, links, command)
        if approvals is not None:  # why each approver is asked: the policy's lines
            text = bounded([*approver_lines(approvals), "", text])
        self.outcome[REVIEW_CHECK] = conclusion
        accepted = accepted_waivers(report, verdict.waivers_approved)
        annotations = _change_annotations(report, self.config.registry_prefix, accepted)
        repo.check_run(pull.head_sha, REVIEW_CHECK, conclusion, title,
                       bounded(summary.split("\n")), text, annotations=annotations)  # fmt: skip


def changed_paths(base: dict[str, str], head: dict[str, str]) -> list[str]:
    """Registry files that differ between two trees (by blob sha): added, removed, changed."""
    return sorted(p for p in base.keys() | head.keys() if base.get(p) != head.get(p))


def _problems_section(problems: Sequence[str]) -> str:
    lines = ["### Problems the bot met", ""]
    lines += [f"- {problem}" for problem in problems]
    return "\n".join(lines)


def _change_annotations(
    report: DiffReport, prefix: str = "", accepted: Collection[int] = ()
) -> list[Annotation]:
    """Every breaking change and warning on the HEAD line it concerns (for a removal, the
    nearest part of it HEAD still has): the full list, beyond what the check text holds.
    A change an accepted waiver covers is a warning, whatever its level."""
    out = []
    for change in report.changes:
        if change.level == INFO:
            continue
        where = head_location(report.head, change)
        if where is None or where.line < 1:
            continue
        level = "failure" if change.level in SEVERE and id(change) not in accepted else "warning"
        message = f"{change.message}\nMigration: {change.migration}"
        out.append(Annotation(prefix + where.file, where.line, level, change.rule, message))
    return out


def _annotation(finding: Finding, prefix: str = "") -> Annotation:
    level = "failure" if finding.level == ERROR else "warning"
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    return Annotation(prefix + finding.location.file, finding.location.line, level, finding.rule,
                      message)  # fmt: skip
