"""`trackplan app-manifest`: the GitHub App's manifest, or the page that creates it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
)


def run(args: argparse.Namespace) -> int:
    from bot.web.manifest import app_manifest, manifest_page  # the bot's own list of what it needs

    if not args.webhook_url.startswith(("https://", "http://")):
        raise UsageError(f"--webhook-url {args.webhook_url!r}: the URL GitHub posts events "
                         "to, e.g. https://trackplan.example.com/webhook")  # fmt: skip
    manifest = app_manifest(args.webhook_url, args.name, redirect_url=args.redirect_url)
    if args.html is None:
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        sys.stdout.write(f"```json\n{text}```\n" if args.format == "markdown" else text)
        return EXIT_OK
    page = manifest_page(manifest, args.org)
    Path(args.html).write_text(page, encoding="utf-8")
    print(f"wrote {args.html}: open it in a browser signed in to GitHub and press the button",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def add_parser(sub: Any) -> None:
    manifest_parser = sub.add_parser(
        "app-manifest",
        help="the GitHub App manifest: the permissions and events the bot needs",
        description="Print the manifest of the trackplan GitHub App (permissions: contents, "
        "pull requests and checks write, members and metadata read; events: pull request, "
        "pull request review, push), or with --html write a page whose one button creates "
        "the App through GitHub's manifest flow; then generate a private key and set the "
        "TRACKPLAN_GITHUB_* environment.",
    )
    manifest_parser.add_argument(
        "--webhook-url", required=True, metavar="URL",
        help="where GitHub posts events: https://HOST/webhook",
    )  # fmt: skip
    manifest_parser.add_argument("--name", default="trackplan", help="the App's name")
    manifest_parser.add_argument(
        "--redirect-url", metavar="URL", help="where GitHub sends you after creating the App"
    )
    manifest_parser.add_argument(
        "--html", metavar="FILE", help="write the page that starts the manifest flow"
    )
    manifest_parser.add_argument(
        "--org", metavar="ORG", help="create the App for this organisation (with --html)"
    )
    manifest_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="json",
        help="json, text and github: the manifest JSON; markdown: in a json code block",
    )  # fmt: skip
    manifest_parser.set_defaults(handler=run)
