"""`trackplan catalog --out DIR`: a static HTML catalog of the plans."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from registry.about import installed_version
from registry.pull.fetch import PullError
from registry.text import plural
from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    open_registry,
    parse_cache,
)


def run(args: argparse.Namespace) -> int:
    from registry.catalog.build import build_catalog
    from registry.catalog.render import MARKER
    from registry.formats.transfer import write_folder
    from registry.pull.fetch import GitSource

    repo, out = Path(args.repo), Path(args.out)
    snapshot = open_registry(repo)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UsageError(f"{out}: not empty and not an earlier catalog; pass a new folder "
                         "(the catalog replaces --out whole)")  # fmt: skip
    try:
        source: GitSource | None = GitSource(repo)
    except PullError:
        source = None  # a folder that is no git repository: plans without releases
    edit = args.edit_url
    if edit and not re.match(r"https?://[^\s\"'<>]+/\Z", edit):
        raise UsageError(f"--edit-url {edit!r}: give an http(s) URL ending in / (the folder "
                         "the registry's files are edited under, e.g. "
                         "https://github.com/acme/plans/edit/main/)")  # fmt: skip
    observed = None
    if args.observed:
        from registry.catalog.observed import ObservedError, read_observed

        try:
            observed, problems = read_observed(Path(args.observed))
        except ObservedError as exc:
            raise UsageError(str(exc)) from None
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise UsageError(f"--observed {args.observed}: {problems[0]}{more}; nothing was "
                             "written")  # fmt: skip
    catalog = build_catalog(snapshot, source, installed_version(), parse_cache(args),
                            edit_url=edit or "", observed=observed,
                            workers=os.cpu_count() or 1)  # fmt: skip
    if catalog.errors:
        raise UsageError(f"{plural(len(catalog.errors), 'validation error')} in the plans: run "
                         "`trackplan validate` and fix them first")  # fmt: skip
    try:
        write_folder(out, catalog.files)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write ({exc.strerror}); nothing was written") from None
    events = sum(len(p.events) for p in catalog.pages)
    pages = sum(1 for name in catalog.files if name.endswith(".html"))
    print(f"wrote the catalog to {out}: {plural(len(catalog.pages), 'plan')}, "
          f"{plural(events, 'event')}, {plural(pages, 'page')}; open "
          f"{out / 'index.html'}")  # fmt: skip
    return EXIT_OK


def add_parser(sub: Any) -> None:
    catalog_parser = sub.add_parser(
        "catalog",
        help="write a static HTML catalog of the plans for the people who own them",
        description="Write a static catalog of the registry's plans into --out: an index of "
        "every plan (owners, sources, latest version, events) with one search across them, a "
        "page per plan (objectives and the KPIs and events they count, the lifecycle drawn as a "
        "funnel, traits, common properties, every event with search, filters and sortable "
        "columns, paged past 200, each release's changelog), a map per plan (sources, events, "
        "KPIs and stages, consumers), a page per event (properties, an example payload and the "
        "call that sends it in each language, deprecation, former names, its history by "
        "version) and compare pages for pairs of releases. With --observed, what reports of "
        "`trackplan check --report-out` saw is drawn beside the plan. Pages work from file:// "
        "and any static host: no network, no CDN. Releases come from the repository's tags "
        "when --repo is a git repository. --out is replaced whole, so it must be new, empty or "
        "an earlier catalog.",
    )
    catalog_parser.add_argument("--repo", default=".", metavar="PATH",
                                help="the registry folder or repository (default: .)")  # fmt: skip
    catalog_parser.add_argument("--out", required=True, metavar="DIR",
                                help="the folder to write the site into")  # fmt: skip
    catalog_parser.add_argument(
        "--edit-url", metavar="URL",
        help="where the registry's files are edited, ending in / (e.g. "
        "https://github.com/acme/plans/edit/main/): each event page links to its line",
    )  # fmt: skip
    catalog_parser.add_argument(
        "--observed", metavar="DIR",
        help="a folder of reports of `trackplan check --report-out` (its *.json files): each "
        "plan and event shows its calls per day, violations by kind, first and last seen, and "
        "the events sent that the plan does not define",
    )  # fmt: skip
    catalog_parser.add_argument("--no-cache", action="store_true",
                                help="parse every plan file again")  # fmt: skip
    catalog_parser.set_defaults(handler=run)
