"""A plan's map as inline SVG: sources -> events -> KPIs and lifecycle stages -> consumers."""

from __future__ import annotations

from markupsafe import Markup, escape

from registry.catalog.model import PlanPage
from registry.records import field, record

MAP_EVENTS = 150  # events drawn; past that, the linked ones first and one node for the rest
COLUMN = 250  # px between columns
NODE_W, NODE_H, ROW = 200, 24, 30
LABEL = 27  # characters shown in a node; the whole name is its title
KINDS = ("source", "event", "target", "consumer")


@record
class Node:
    key: str
    label: str
    link: str
    kind: str  # one of KINDS
    note: str = ""  # said in the node's title after its label
    x: float = 0
    y: float = 0


@record
class Graph:
    columns: list[list[Node]] = field(default_factory=lambda: [[], [], [], []])
    edges: list[tuple[str, str]] = field(default_factory=list)  # (from key, to key)
    hidden: int = 0  # events not drawn


def plan_graph(plan: PlanPage) -> Graph:
    """What the map draws: nodes by column (links relative to the plan's folder), edges."""
    graph = Graph()
    sources = sorted({s for e in plan.events for s in e.sources} | set(plan.sources))
    graph.columns[0] = [Node(f"s:{s}", s, f"index.html#filter:source={_fragment(s)}", "source")
                        for s in sources]  # fmt: skip
    linked = [e for e in plan.events if e.kpis or e.stages or e.consumers]
    drawn = linked[:MAP_EVENTS]
    rest = [e for e in plan.events if not (e.kpis or e.stages or e.consumers)]
    drawn += rest[: MAP_EVENTS - len(drawn)]
    drawn.sort(key=lambda e: (e.stage == "", e.stage, e.name))
    graph.hidden = len(plan.events) - len(drawn)
    graph.columns[1] = [Node(f"e:{e.name}", e.name, f"events/{e.slug}.html", "event",
                             "deprecated" if e.deprecated is not None else "")
                        for e in drawn]  # fmt: skip
    if graph.hidden:
        graph.columns[1].append(Node("e:*", f"{graph.hidden:,} more events", "index.html#events",
                                     "event", "the event list has them all"))  # fmt: skip
    for objective, _, _, kpis in plan.objectives:
        for kpi, anchor, _, _ in kpis:
            graph.columns[2].append(Node(f"k:{objective}/{kpi}", f"KPI {kpi}",
                                         f"index.html#{anchor}", "target", objective))  # fmt: skip
    for index, (stage, condition, _) in enumerate(plan.lifecycle, 1):
        graph.columns[2].append(Node(f"l:{stage}", f"stage {stage}", f"index.html#stage-{index}",
                                     "target", condition))  # fmt: skip
    consumers: dict[str, str] = {}
    for name, url in plan.consumers:
        consumers.setdefault(name, url)
    for event in drawn:
        for name, url in event.consumers:
            consumers.setdefault(name, url)
    graph.columns[3] = [Node(f"c:{name}", name, url or "index.html#consumers", "consumer",
                             "reads every event" if (name, url) in plan.consumers else "")
                        for name, url in sorted(consumers.items())]  # fmt: skip
    for event in drawn:
        key = f"e:{event.name}"
        graph.edges += [(f"s:{s}", key) for s in event.sources]
        graph.edges += [(key, f"k:{kpi}") for kpi, _ in event.kpis]
        graph.edges += [(key, f"l:{stage}") for stage in event.stages]
        graph.edges += [(key, f"c:{name}") for name, _ in event.consumers]
    return graph


def _fragment(text: str) -> str:
    """A value for the plan page's `#filter:` fragment (percent-encoded as the page reads it)."""
    return "".join(c if c.isalnum() or c in "-_.~" else
                   "".join(f"%{b:02X}" for b in c.encode()) for c in text)  # fmt: skip


def plan_map(plan: PlanPage) -> Markup:
    """The map: a column per kind of node, each node a link, an edge per relation."""
    graph = plan_graph(plan)
    height = max(len(c) for c in graph.columns) * ROW + 40
    for x, column in enumerate(graph.columns):
        spacing = (height - 40) / max(len(column), 1)
        for i, node in enumerate(column):
            node.x, node.y = x * COLUMN + 4, 30 + i * spacing + (spacing - NODE_H) / 2
    at = {node.key: node for column in graph.columns for node in column}
    width = 3 * COLUMN + NODE_W + 8
    parts = [
        f'<svg class="map" role="img" aria-labelledby="map-t" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" preserveAspectRatio="xMinYMin meet">'
        f'<title id="map-t">Map of {escape(plan.title)}: sources, events, KPIs and stages, '
        "consumers</title>"
    ]
    for x, heading in enumerate(("Sources", "Events", "KPIs and stages", "Consumers")):
        parts.append(f'<text x="{x * COLUMN + 4}" y="16" font-weight="600">{heading}</text>')
    for start, end in graph.edges:
        a, b = at.get(start), at.get(end)
        if a is None or b is None:
            continue
        x1, y1, x2, y2 = a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2
        middle = (x1 + x2) / 2
        parts.append(
            f'<path class="edge" d="M{x1:.0f},{y1:.1f} C{middle:.0f},{y1:.1f} {middle:.0f},'
            f'{y2:.1f} {x2:.0f},{y2:.1f}" fill="none" stroke="#8c959f" stroke-opacity=".6">'
            f"<title>{escape(a.label)} → {escape(b.label)}</title></path>"
        )
    for column in graph.columns:
        for node in column:
            label = node.label if len(node.label) <= LABEL else node.label[: LABEL - 1] + "…"
            said = node.label + (f" ({node.note})" if node.note else "")
            parts.append(
                f'<a href="{escape(node.link)}" class="node {node.kind}">'
                f"<title>{escape(said)}</title>"
                f'<rect x="{node.x:.0f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" '
                f'rx="4"/><text x="{node.x + 8:.0f}" y="{node.y + 16:.1f}">{escape(label)}'
                "</text></a>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
