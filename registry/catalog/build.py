"""A catalog from a registry snapshot and its releases: what the CLI writes and serve serves."""

from __future__ import annotations

from dataclasses import dataclass

from registry.artifacts import artifact_names, plan_document
from registry.cache import ParseCache
from registry.catalog.model import PlanPage, Release, plan_page
from registry.catalog.render import catalog_files
from registry.findings import Finding
from registry.pull import PullError, ReleaseSource
from registry.snapshot import Snapshot
from registry.validate import validate


@dataclass
class Catalog:
    files: dict[str, bytes]  # by path inside the site
    pages: list[PlanPage]
    errors: list[Finding]  # validation errors: no catalog is built while there are some


def build_catalog(snapshot: Snapshot, releases: ReleaseSource | None, version: str,
                  parse: ParseCache | None = None) -> Catalog:  # fmt: skip
    """The pages of every plan of `snapshot`, with the versions and changelogs `releases`
    holds (None: plans without releases)."""
    report = validate(snapshot, parse=parse)
    if report.errors:
        return Catalog({}, [], report.errors)
    plans = report.registry.plans
    pages = []
    for plan_id in sorted(plans):
        found = []
        for released in releases.versions(plan_id) if releases is not None else []:
            try:
                files = releases.artifacts(plan_id, released)  # type: ignore[union-attr]
            except PullError:
                continue  # an unreadable release is left out, the others shown
            text = files.get(artifact_names(plan_id, released)["changelog"], b"")
            found.append(Release(released, text.decode("utf-8", "replace")))
        pages.append(plan_page(plan_document(plans[plan_id], "unreleased"), found))
    return Catalog(catalog_files(pages, version), pages, [])
