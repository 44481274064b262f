"""The catalog's pages as files: Jinja2 templates (autoescaped), a funnel drawn as SVG."""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from registry.catalog.charts import VIOLATING, day_bars, hbars, sparkline
from registry.catalog.graph import plan_map
from registry.catalog.llms import event_text, llms_full_txt, llms_txt
from registry.catalog.markdown import markdown_html, markdown_inline
from registry.catalog.model import PlanPage

MARKER = ".trackplan-catalog"  # names a folder as a catalog `trackplan catalog` may replace
STYLESHEET, SCRIPT = "catalog.css", "catalog.js"
PAGE_SIZE = 200  # events a plan page lists at once (10,000 rows at once make a slow page)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("registry.catalog", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown_html
    env.filters["markdown_inline"] = markdown_inline
    env.globals.update(sparkline=sparkline, day_bars=day_bars, hbars=hbars, VIOLATING=VIOLATING)
    return env


def funnel(plan: PlanPage) -> Markup:
    """The lifecycle as a funnel: one band per stage, in order, narrowing."""
    stages = plan.lifecycle
    width, band = 640, 54
    parts = [
        f'<svg role="img" aria-labelledby="funnel-title" viewBox="0 0 {width} '
        f'{band * len(stages) + 4}" width="100%" style="max-width:{width}px">',
        f'<title id="funnel-title">Lifecycle of {escape(plan.title)}: '
        f"{escape(' → '.join(s for s, _, _ in stages))}</title>",
    ]
    step = min(24, width // (2 * (len(stages) + 1)))  # narrowing, never past the middle
    for index, (stage, condition, entering) in enumerate(stages):
        inset_top = index * step
        inset_bottom = (index + 1) * step
        y = index * band + 2
        points = (
            f"{inset_top},{y} {width - inset_top},{y} {width - inset_bottom},{y + band - 4} "
            f"{inset_bottom},{y + band - 4}"
        )
        shade = 92 - min(index * 8, 50)
        parts.append(
            f'<g class="stage"><polygon points="{points}" fill="hsl(210, 60%, {shade}%)" '
            'stroke="#0b5cad"/>'
        )
        label = escape(stage) + (Markup(" — ") + escape(condition) if condition else "")
        parts.append(
            f'<text x="{width // 2}" y="{y + 22}" text-anchor="middle" font-weight="600"'
            f' fill="#1b1f24">{escape(stage)}</text>'
        )
        said = escape(", ".join(entering)) if entering else escape(condition)
        parts.append(
            f'<text x="{width // 2}" y="{y + 40}" text-anchor="middle" fill="#1b1f24">'
            f"{said}</text><desc>{label}</desc></g>"
        )
    parts.append("</svg>")
    return Markup("\n".join(parts))


def search_index(plans: list[PlanPage]) -> str:
    """Every event of every plan as [plan title, event, page, description, search text]:
    a script that sets window.TRACKPLAN_INDEX (JSON escaped for a script: `<` as \\u003c, so
    no plan string can close the tag)."""
    rows = []
    for plan in plans:
        for event in plan.events:
            rows.append([plan.title, event.name, f"plans/{plan.id}/events/{event.slug}.html",
                         event.description[:160], f"{plan.id} {event.search_text}"])  # fmt: skip
    data = json.dumps(rows, ensure_ascii=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return "window.TRACKPLAN_INDEX = " + data + ";\n"


def _asset(env: Environment, name: str) -> str:
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def catalog_files(plans: list[PlanPage], version: str, workers: int = 1) -> dict[str, bytes]:
    """Every file of the catalog by path (same plans, same bytes). `workers` > 1: event pages
    may be rendered in that many forked processes (a command line tool's choice: a threaded
    server never forks); the bytes are the same."""
    env = _environment()
    common = {"version": version}
    files = {
        "index.html": env.get_template("index.html.j2").render(
            title="Tracking plans", root="", plans=plans, **common
        ),
        MARKER: json.dumps({"generator": "trackplan", "version": version}) + "\n",
        "search-index.js": search_index(plans),
        # For language models (llmstxt.org): the registry in short, and every event.
        "llms.txt": llms_txt(plans),
        # One stylesheet and one script for every page, not a copy in each.
        STYLESHEET: _asset(env, STYLESHEET),
        SCRIPT: _asset(env, SCRIPT),
    }
    plan_template, map_template = env.get_template("plan.html.j2"), env.get_template("map.html.j2")
    compare_index = env.get_template("compare_index.html.j2")
    compare_template = env.get_template("compare.html.j2")
    for plan in plans:
        owners = sorted({o for e in plan.events for o in e.owners})
        sources = sorted({s for e in plan.events for s in e.sources} | set(plan.sources))
        stages = [s for s, _, _ in plan.lifecycle] or sorted(
            {e.stage for e in plan.events if e.stage}
        )
        files[f"plans/{plan.id}/index.html"] = plan_template.render(
            title=plan.title,
            root="../../",
            plan=plan,
            funnel=funnel(plan),
            owners=owners,
            sources=sources,
            stages=stages,
            page_size=PAGE_SIZE,
            **common,
        )
        files[f"plans/{plan.id}/map.html"] = map_template.render(
            title=f"Map · {plan.title}",
            root="../../",
            plan=plan,
            graph=plan_map(plan),
            **common,
        )
        if plan.comparisons:
            pages = {f"{c.old} {c.new}": c.file for c in plan.comparisons}
            files[f"plans/{plan.id}/compare.html"] = compare_index.render(
                title=f"Compare versions · {plan.title}", root="../../", plan=plan,
                pages=pages, **common)  # fmt: skip
        for comparison in plan.comparisons:
            files[f"plans/{plan.id}/{comparison.file}"] = compare_template.render(
                title=f"{comparison.old} → {comparison.new} · {plan.title}", root="../../../",
                plan=plan, c=comparison, **common)  # fmt: skip
    out = {path: text.encode() for path, text in files.items()}
    jobs = [(p, e) for p, plan in enumerate(plans) for e in range(len(plan.events))]
    if workers > 1 and len(jobs) >= PARALLEL_EVENTS:
        done = _render_forked(plans, version, jobs, workers)
    else:
        done = _event_pages(plans, version, jobs)
    out.update((path, page) for path, page, _ in done)
    texts: list[list[str]] = [[] for _ in plans]
    for (p, _), (_, _, text) in zip(jobs, done, strict=True):
        texts[p].append(text)
    out["llms-full.txt"] = llms_full_txt(plans, texts).encode()
    return out


def _event_pages(plans: list[PlanPage], version: str,
                 jobs: list[tuple[int, int]]) -> list[tuple[str, bytes, str]]:  # fmt: skip
    """The page of each (plan index, event index), and its entry in llms-full.txt."""
    env = _environment()
    template = env.get_template("event.html.j2")
    rows_table = env.get_template("macros.html.j2").module.rows_table  # type: ignore[attr-defined]
    common: dict[int, Markup] = {}  # the same table on each page of a plan: rendered once
    pages = []
    for p, e in jobs:
        plan = plans[p]
        event = plan.events[e]
        if p not in common:
            common[p] = Markup(rows_table(plan.common, "Properties every event of the plan "
                                                       "carries"))  # fmt: skip
        text = template.render(title=f"{event.name} · {plan.title}", root="../../../",
                               plan=plan, event=event, version=version,
                               common_table=common[p])  # fmt: skip
        pages.append((f"plans/{plan.id}/events/{event.slug}.html", text.encode(),
                      event_text(event)))  # fmt: skip
    return pages


PARALLEL_EVENTS = 1000  # fewer event pages render sooner than workers start
_forked: tuple[list[PlanPage], str] | None = None  # what forked workers render from


def _render_slice(jobs: list[tuple[int, int]]) -> list[tuple[str, bytes, str]]:
    assert _forked is not None
    return _event_pages(_forked[0], _forked[1], jobs)


def _render_forked(plans: list[PlanPage], version: str, jobs: list[tuple[int, int]],
                   workers: int) -> list[tuple[str, bytes, str]]:  # fmt: skip
    """Event pages rendered by forked workers, which inherit the plans (nothing is sent to
    them but indexes); in the order of `jobs`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _forked
    _forked = (plans, version)
    try:
        size = -(-len(jobs) // (workers * 4))  # a few slices each: an even finish
        slices = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return [page for done in pool.map(_render_slice, slices) for page in done]
    finally:
        _forked = None
