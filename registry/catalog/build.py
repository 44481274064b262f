"""A catalog from a registry snapshot and its releases: what the CLI writes and serve serves."""

from __future__ import annotations

from collections.abc import Mapping

from registry.catalog.compare import compare_versions, version_pairs
from registry.catalog.model import PlanPage, Release, plan_page
from registry.catalog.observed import PlanObserved
from registry.catalog.render import catalog_files
from registry.findings import ERROR, Finding
from registry.lint.rules import blocking_checks
from registry.lint.validate import validate
from registry.load.cache import ParseCache
from registry.load.loader import load_registry
from registry.load.snapshot import PLANS_DIR, GitSnapshot, MemorySnapshot, Snapshot
from registry.pull.fetch import GitSource, PullError, ReleaseSource
from registry.records import asdict, record
from registry.release.artifacts import artifact_names, plan_document
from registry.release.versions import tag_name, tag_pattern


@record
class Catalog:
    files: dict[str, bytes]  # by path inside the site
    pages: list[PlanPage]
    errors: list[Finding]  # validation errors: no catalog is built while there are some


def build_catalog(snapshot: Snapshot, releases: ReleaseSource | None, version: str,
                  parse: ParseCache | None = None, labels: Mapping[str, str] | None = None,
                  edit_url: str = "",
                  observed: Mapping[str, PlanObserved] | None = None,
                  workers: int = 1) -> Catalog:  # fmt: skip
    """The pages of every plan of `snapshot`, with the versions and changelogs `releases`
    holds (None: plans without releases); `labels` names each plan's version (default
    "unreleased": the snapshot is a branch, not a release, and must validate whole).

    With `labels`, the plans are releases: each was validated when it was released (under
    the settings of its day, which the branch's may have changed since), so only a plan that
    cannot be read at all is left out, and the others are shown. `edit_url`: where the
    registry's files are edited (`https://github.com/acme/plans/edit/main/`), for "edit in
    git" links to each event's line. `observed`: what reports of `trackplan check` saw, by
    plan (`registry.catalog.observed.read_observed`). `workers`: processes that may render
    event pages (see `registry.catalog.render.catalog_files`)."""
    if labels is None:
        report = validate(snapshot, parse=parse)
        if report.errors:
            return Catalog({}, [], report.errors)
        registry = report.registry
        plans = registry.plans
    else:
        loaded = load_registry(snapshot, parse=parse)
        registry = loaded.registry
        broken = {f.plan for f in loaded.findings + blocking_checks(loaded.registry)
                  if f.level == ERROR}  # fmt: skip
        plans = {p: plan for p, plan in loaded.registry.plans.items() if p not in broken}
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
        label = (labels or {}).get(plan_id, "unreleased")
        plan = plans[plan_id]
        places = {name: (e.location.file, e.location.line) for name, e in plan.events.items()}
        page = plan_page(plan_document(plan, label), found, places, edit_url,
                         (observed or {}).get(plan_id))  # fmt: skip
        page.conventions = asdict(registry.policy.conventions(plan))
        if releases is not None and len(found) > 1:
            versions = [r.version for r in found]
            page.comparisons = compare_versions(
                plan_id, version_pairs(versions),
                lambda v, p=plan_id: releases.tree(p, v),  # type: ignore[misc]
                parse or getattr(releases, "parse", None))  # fmt: skip
        pages.append(page)
    return Catalog(catalog_files(pages, version, workers), pages, [])


def released_snapshot(
    source: GitSource, head: GitSnapshot
) -> tuple[MemorySnapshot, dict[str, str]]:
    """Each plan as its latest release tag has it (plans never released are left out), with
    HEAD's settings and CODEOWNERS: what a reader may see without asking for the branch.
    Returns the snapshot and each plan's version."""
    files = {p: head.read(p) for p in head.paths() if not p.startswith(PLANS_DIR + "/")}
    versions: dict[str, str] = {}
    pattern = tag_pattern(source.template)
    plans = {m["plan"] for m in map(pattern.fullmatch, source.tags) if m}
    for plan in sorted(plans):
        released = source.versions(plan)
        if not released:
            continue
        tag = source.tags[tag_name(source.template, plan, released[-1])]
        tagged = GitSnapshot(source.repo, tag.commit)
        prefix = f"{PLANS_DIR}/{plan}/"
        wanted = [p for p in tagged.paths() if p.startswith(prefix)]
        files.update(tagged.read_many(wanted))
        versions[plan] = released[-1]
    return MemorySnapshot(files, label="latest releases"), versions
