"""Whether a change to the plans may merge: the one pass/fail rule every caller applies.

The review comment's headline and "What blocks the merge", the bot's check runs, the exit
code of `trackplan review`/`diff` and the GitHub Action's exit all read a `Verdict` built
here, so the gate is written once. Offline (no pull request) there are no approvals: the
gate is then validation plus the fail level; on a pull request the owners' approvals and
migration notes for breaking changes count too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from registry.diff.changes import BREAKING, INFO, WARNING
from registry.diff.changes import ERROR as FORBIDDEN
from registry.diff.compare import DiffReport
from registry.diff.waivers import ACCEPTED, new_waivers
from registry.escape import md_code
from registry.findings import ERROR
from registry.records import record
from registry.review.approvals import WAIVERS, ApprovalStatus
from registry.text import plural

SUCCESS, FAILURE = "success", "failure"
# The check runs that carry the gate on a pull request [contract: branch protection names them]
VALIDATE_CHECK = "trackplan/validate"
REVIEW_CHECK = "trackplan/review"
FAIL_ON = ("breaking", "warning", "never")


@record(frozen=True)
class Verdict:
    """What the gate needs to know about one change, counted once."""

    errors: int  # validation errors in HEAD's plan files
    breaking: int
    warnings: int
    others: int
    has_notes: bool  # the pull request carries migration notes
    unreadable: tuple[str, ...] = ()  # plans not compared (a side does not parse/validate)
    waiting_for: tuple[tuple[str, str], ...] = ()  # (owner, why) still to approve
    changes_requested: tuple[tuple[str, str], ...] = ()  # (user, why)
    forbidden: int = 0  # changes at the policy's `error` level, not waived
    waived: int = 0  # changes an accepted waiver covers (counted in none of the above)
    pending_waivers: int = 0  # changes only a waiver still awaiting approval covers
    waivers_approved: bool = False  # the owners of waivers.yaml approved the ones added
    unowned_waivers: int = 0  # waivers the change adds that no CODEOWNERS line lets anyone approve

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def owners_waited_for(self) -> list[str]:
        """Each owner still to approve, once, sorted (as the review has always listed them)."""
        return sorted({owner for owner, _ in self.waiting_for})

    def reaches(self, fail_on: str) -> bool:
        """Whether the changes reach the fail level (`breaking`, `warning` or `never`)."""
        if fail_on == "never":
            return False
        return bool(self.forbidden or self.breaking or (fail_on == "warning" and self.warnings))

    def fails_offline(self, fail_on: str) -> bool:
        """The gate of `trackplan diff`/`review` (no approvals, no notes): invalid HEAD files
        or changes at the fail level."""
        return not self.valid or self.reaches(fail_on)

    def validation_check(self) -> str:
        """The conclusion of the validation check run: errors fail it, warnings do not."""
        return SUCCESS if self.valid else FAILURE

    def review_check(self) -> tuple[str, str]:
        """The conclusion and title of the review check run on a pull request."""
        conclusion, title = SUCCESS, "No breaking changes"
        if self.breaking and not self.has_notes:
            conclusion, title = FAILURE, f"{plural(self.breaking, 'breaking change')}, no notes"
        elif self.breaking:
            title = f"{plural(self.breaking, 'breaking change')} with notes"
        if self.forbidden:
            conclusion = FAILURE
            title = f"{plural(self.forbidden, 'change')} the policy forbids"
        if self.unowned_waivers:
            conclusion, title = FAILURE, "New waivers nobody owns"
        if self.unreadable:
            conclusion, title = FAILURE, "Plans not compared"
        if self.changes_requested:
            conclusion, title = FAILURE, "Changes requested by an owner"
        elif self.waiting_for and conclusion == SUCCESS:
            conclusion = FAILURE
            title = f"Waiting for {plural(len(self.waiting_for), 'approval')}"
        return conclusion, title

    def failures(self, fail_on: str) -> list[str]:
        """The GitHub Action's gate on a pull request: what fails, by check name or count
        (empty: the change passes). `never` passes everything."""
        if fail_on == "never":
            return []
        failed = [VALIDATE_CHECK] if self.validation_check() == FAILURE else []
        if self.review_check()[0] == FAILURE:
            failed.append(REVIEW_CHECK)
        if fail_on == "warning" and self.warnings:
            failed.append(f"{self.warnings} warning(s)")
        return failed

    def headline(self) -> str:
        """The review comment's first line (Markdown)."""
        if self.errors:
            return (f"❌ **The plan files have {plural(self.errors, 'validation error')}** — "
                    "fix them before this can merge.")  # fmt: skip
        if self.forbidden:
            return (f"❌ **{plural(self.forbidden, 'change')} the policy forbids** — undo "
                    f"{'them' if self.forbidden != 1 else 'it'}, or have a waiver "
                    "accepted.")  # fmt: skip
        if self.breaking and not self.has_notes:
            return (f"❌ **{plural(self.breaking, 'breaking change')}, no migration notes** — "
                    "add a `## Migration notes` section to the description.")  # fmt: skip
        if self.breaking:
            return (f"⚠️ **{plural(self.breaking, 'breaking change')}** — migration notes are "
                    "in; the affected owners must approve.")  # fmt: skip
        changed = self.warnings or self.others
        if changed and self.waiting_for:
            owners = len(self.owners_waited_for)
            return (f"⏳ **No breaking changes, waiting for {plural(owners, 'owner')}** — "
                    f"{self.counts()}; see Stakeholders.")  # fmt: skip
        if changed:
            return f"✅ **No breaking changes** — {self.counts()}."
        return "✅ **No changes to the tracking plans.**"

    def blockers(self) -> list[str]:
        """What keeps the pull request from merging, each with its next step (Markdown
        list items)."""
        items = []
        if self.errors:
            items.append(f"**{plural(self.errors, 'validation error')}** in the plan files: "
                         "fix them (listed below, and annotated on the lines in the Files "
                         "tab).")  # fmt: skip
        for plan in self.unreadable:
            items.append(f"**Plan {md_code(plan)} is not compared**: a file of it does not "
                         "parse or a definition does not validate: its changes are "
                         "unknown.")  # fmt: skip
        if self.forbidden:
            items.append(f"**{plural(self.forbidden, 'change')} the policy forbids** (level "
                         "`error`, see Forbidden changes): undo them, or add a waiver to "
                         "`waivers.yaml` (`trackplan waive`) that the owners of that file "
                         "approve.")  # fmt: skip
        if self.unowned_waivers:
            items.append(f"**{plural(self.unowned_waivers, 'new waiver')} nobody can "
                         "approve**: CODEOWNERS on the base branch names no owner of "
                         "`waivers.yaml` (nor of `trackplan.yaml`). Add such a line in a pull "
                         "request of its own first, then the waivers here.")  # fmt: skip
        if self.pending_waivers:
            items.append(f"**{plural(self.pending_waivers, 'waived change')} pending**: the "
                         "waivers this pull request adds count once the owners of "
                         "`waivers.yaml` approve (see Waived changes).")  # fmt: skip
        if self.breaking and not self.has_notes:
            items.append(f"**No migration notes** for {plural(self.breaking, 'breaking change')}"
                         ": add a `## Migration notes` section to the description saying what "
                         "producers and consumers must change, and when.")  # fmt: skip
        if self.waiting_for:
            items.append("**Waiting for approval** from "
                         + ", ".join(md_code(o) for o in self.owners_waited_for)
                         + " (see Stakeholders).")  # fmt: skip
        return [f"- {item}" for item in items]

    def counts(self) -> str:
        """`2 warnings, 1 other change`: what is not breaking, counted."""
        parts = []
        if self.waived:
            parts.append(plural(self.waived, "waived change"))
        if self.warnings:
            parts.append(plural(self.warnings, "warning"))
        if self.others:
            parts.append(plural(self.others, "other change"))
        return ", ".join(parts) or "nothing to review"


def judge(report: DiffReport, notes: str | None,
          approvals: ApprovalStatus | None = None) -> Verdict:  # fmt: skip
    """The verdict on a compared change; `approvals` None: offline, nobody asked yet."""
    groups = approvals.groups if approvals is not None else []
    approved = approvals is not None and any(
        g.satisfied for g in approvals.groups if g.group.kind == WAIVERS
    )
    accepted = accepted_waivers(report, approved)
    added = new_waivers(report.head.policy.waivers, report.head.waivers)
    owned = any(g.group.kind == WAIVERS for g in groups)
    counts = Counter(c.level for c in report.changes if id(c) not in accepted)
    return Verdict(
        errors=sum(1 for f in report.head_findings if f.level == ERROR),
        breaking=counts[BREAKING],
        warnings=counts[WARNING],
        others=counts[INFO],
        forbidden=counts[FORBIDDEN],
        waived=len(accepted),
        pending_waivers=sum(1 for w in report.waived if id(w.change) not in accepted),
        waivers_approved=approved,
        unowned_waivers=len(added) if approvals is not None and not owned else 0,
        has_notes=bool(notes),
        unreadable=tuple(report.unreadable),
        waiting_for=tuple((owner, g.group.why) for g in groups for owner in g.missing),
        changes_requested=tuple(
            (user, g.group.why) for g in groups for user in g.changes_requested_by
        ),
    )


def accepted_waivers(report: DiffReport, approved: bool) -> set[int]:
    """The changes (by id) a waiver covers that counts: one the judging side holds, or one
    the change adds once the owners of waivers.yaml `approved` (never offline)."""
    return {id(w.change) for w in report.waived if w.status == ACCEPTED or approved}


def waiting(owners: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Owners still to approve, with no reasons (for callers that only know the names)."""
    return tuple((owner, "") for owner in owners)
