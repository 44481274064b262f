"""The GitHub App manifest: exactly the permissions and events the bot needs, and the page
that starts GitHub's manifest flow (one click, then paste the key into the environment)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import escape

from bot.web.intake import HANDLED_EVENTS

# Why each permission: the bot reads plan files and writes release tags and releases
# (contents), posts its comment and requests reviews (pull_requests), publishes
# trackplan/validate and trackplan/review (checks), reads team members for team approvals
# (members), and every App has metadata.
PERMISSIONS = {"contents": "write", "pull_requests": "write", "checks": "write",
               "metadata": "read", "members": "read"}  # fmt: skip


def app_manifest(webhook_url: str, name: str = "trackplan",
                 homepage: str = "https://github.com/trackplan/trackplan",
                 redirect_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The manifest GitHub's "create an App from a manifest" flow takes."""
    manifest: dict[str, Any] = {
        "name": name,
        "url": homepage,
        "description": "Reviews tracking-plan changes and releases them (trackplan).",
        "hook_attributes": {"url": webhook_url, "active": True},
        "public": False,
        "default_permissions": dict(PERMISSIONS),
        "default_events": list(HANDLED_EVENTS),
    }
    if redirect_url:
        manifest["redirect_url"] = redirect_url
    return manifest


def manifest_page(manifest: dict[str, Any], org: str | None = None) -> str:
    """An HTML page whose one button posts the manifest to GitHub (for a user, or an org)."""
    target = (f"https://github.com/organizations/{org}/settings/apps/new" if org
              else "https://github.com/settings/apps/new")  # fmt: skip
    value = escape(json.dumps(manifest, indent=2, sort_keys=True))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Create the trackplan GitHub App</title></head>
<body>
<h1>Create the trackplan GitHub App</h1>
<p>The button sends this manifest to GitHub, which creates the App with exactly these
permissions and events. Then generate a private key on the App's page and set
TRACKPLAN_GITHUB_APP_ID, TRACKPLAN_GITHUB_PRIVATE_KEY and TRACKPLAN_WEBHOOK_SECRET.</p>
<form action="{escape(target)}" method="post">
<textarea name="manifest" rows="24" cols="80" aria-label="App manifest" readonly>{value}</textarea>
<p><button type="submit">Create the App on GitHub</button></p>
</form>
</body></html>
"""
