"""The one pass/fail rule (registry.review.verdict): offline exit, checks and the Action gate."""

from __future__ import annotations

import pytest

from registry.review.verdict import FAILURE, REVIEW_CHECK, SUCCESS, VALIDATE_CHECK, Verdict

CLEAN = Verdict(errors=0, breaking=0, warnings=0, others=0, has_notes=False)
OWNER = (("@shop-team", "event 'Order Completed'"),)


@pytest.mark.parametrize(
    ("verdict", "check", "title", "offline_fails", "action_fails"),
    [
        (CLEAN, SUCCESS, "No breaking changes", False, []),
        (Verdict(0, 0, 2, 1, False), SUCCESS, "No breaking changes", False, []),
        (Verdict(0, 1, 0, 0, False), FAILURE, "1 breaking change, no notes", True, [REVIEW_CHECK]),
        (Verdict(0, 2, 0, 0, True), SUCCESS, "2 breaking changes with notes", True, []),
        (Verdict(3, 0, 0, 0, False), SUCCESS, "No breaking changes", True, [VALIDATE_CHECK]),
        (Verdict(0, 0, 0, 1, False, unreadable=("app",)), FAILURE, "Plans not compared", False,
         [REVIEW_CHECK]),
        (Verdict(0, 0, 0, 1, False, waiting_for=OWNER), FAILURE, "Waiting for 1 approval", False,
         [REVIEW_CHECK]),
        (Verdict(0, 1, 0, 0, True, waiting_for=OWNER, changes_requested=(("amy", "CODEOWNERS"),)),
         FAILURE, "Changes requested by an owner", True, [REVIEW_CHECK]),
    ],
)  # fmt: skip
def test_one_rule_gives_the_check_the_offline_exit_and_the_action_gate(
    verdict: Verdict, check: str, title: str, offline_fails: bool, action_fails: list[str]
) -> None:
    assert verdict.review_check() == (check, title)
    assert verdict.fails_offline("breaking") is offline_fails
    assert verdict.failures("breaking") == action_fails
    assert verdict.failures("never") == []
    assert verdict.fails_offline("never") is (verdict.errors > 0)


def test_the_warning_level_fails_on_warnings_and_says_how_many() -> None:
    warned = Verdict(errors=0, breaking=0, warnings=2, others=0, has_notes=False)
    assert warned.reaches("warning") and not warned.reaches("breaking")
    assert warned.failures("warning") == ["2 warning(s)"]
    assert warned.fails_offline("warning")


def test_the_headline_and_the_blockers_agree_on_what_stops_the_merge() -> None:
    broken = Verdict(errors=0, breaking=1, warnings=0, others=0, has_notes=False)
    assert broken.headline().startswith("❌ **1 breaking change, no migration notes**")
    assert [b for b in broken.blockers() if "No migration notes" in b]
    waiting = Verdict(0, 0, 1, 0, False, waiting_for=OWNER + OWNER)
    assert "waiting for 1 owner" in waiting.headline()  # one owner named twice counts once
    assert waiting.blockers() == [
        "- **Waiting for approval** from `@shop-team` (see Stakeholders)."
    ]
    assert CLEAN.headline() == "✅ **No changes to the tracking plans.**" and not CLEAN.blockers()
