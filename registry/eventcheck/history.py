"""When each rename of a plan was released: the first release that lists the old name."""

from __future__ import annotations

import json
from pathlib import Path

from registry.pull.fetch import GitSource, PullError
from registry.pull.sources import PlanRequest
from registry.release.artifacts import artifact_names
from registry.release.versions import parse_version


def renames_released(repo: Path, wanted: PlanRequest) -> dict[str, str]:
    """Old event name -> the first released version (up to the one checked) whose plan has
    it in `renamed_from`; {} when the history cannot be read."""
    try:
        source = GitSource(repo)
        versions = source.versions(wanted.plan)
    except PullError:
        return {}
    upto = parse_version(wanted.range or "")
    found: dict[str, str] = {}
    for version in versions:  # ascending
        if upto is not None and (parse_version(version) or (0, 0, 0)) > upto:
            break
        try:
            files = source.artifacts(wanted.plan, version)
        except PullError:
            continue
        document = json.loads(files[artifact_names(wanted.plan, version)["plan"]])
        for spec in (document.get("events") or {}).values():
            for old in spec.get("renamed_from") or ():
                found.setdefault(str(old), version)
    return found
