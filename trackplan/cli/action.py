"""`trackplan action`: the GitHub Action's entry point."""

from __future__ import annotations

import argparse
from typing import Any

from trackplan.cli.common import UsageError, require_extra


def run(args: argparse.Namespace) -> int:
    import os

    require_extra("bot", "trackplan action")
    from bot.action import ActionError, run  # the Action runs the bot: imported only here

    try:
        return run(os.environ)
    except ActionError as exc:
        raise UsageError(str(exc)) from None


def add_parser(sub: Any) -> None:
    action_parser = sub.add_parser(
        "action",
        help="the GitHub Action's entry point (run by action.yml in a workflow)",
        description="Review the pull request or release the push a GitHub Actions workflow "
        "runs on, as the bot does, with GITHUB_TOKEN: the environment GitHub Actions sets "
        "(GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, "
        "GITHUB_TOKEN) and the action's inputs (INPUT_FAIL-ON breaking|warning|never, "
        "INPUT_COMMENT, INPUT_RELEASE true|false). Exits 1 when the change fails by fail-on.",
    )
    action_parser.add_argument("--format", choices=("text", "json", "markdown", "github"),
                               default="github",
                               help="the log lines are workflow commands (github)")  # fmt: skip
    action_parser.set_defaults(handler=run)
