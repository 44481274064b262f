"""Charts as inline SVG, drawn in Python: no script, no network, readable from file://.

Every number a chart draws is also written as text (a <title> per mark, labels beside
bars), so screen readers, tests and people who copy the page read the same figures."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

CALLS = "#0b5cad"
VIOLATING = "#b42318"
MUTED = "#4a5360"


def _n(value: int) -> str:
    return f"{value:,}"


def sparkline(values: Sequence[int], title: str) -> Markup:
    """A line of daily volumes, 120 x 24: the shape of a series, its peak marked."""
    width, height = 120, 24
    top = max(values, default=0)
    if len(values) < 2:
        values = [*values, *values] if values else [0, 0]
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (v / top * (height - 4) if top else 0):.1f}"
        for i, v in enumerate(values)
    )
    return Markup(
        f'<svg class="spark" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>'
        f'<polyline points="{points}" fill="none" stroke="{CALLS}" stroke-width="1.5"/></svg>'
    )


def day_bars(chart_id: str, days: Sequence[str], calls: Sequence[int],
             violating: Sequence[int], title: str) -> Markup:  # fmt: skip
    """Calls per day as bars, the violating share of each drawn over it in red."""
    gap, height, left, bottom = 2, 140, 48, 22
    plot = max(len(days) * 10, 400)  # at least 400 px of plot, at most 24 px a bar
    bar = max(1, min(24, plot // max(len(days), 1) - gap))
    width = left + len(days) * (bar + gap) + 90
    top = max(calls, default=0) or 1
    scale = (height - bottom - 8) / top
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" style="max-width:100%;height:auto">'
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<text x="{left - 6}" y="14" text-anchor="end" class="axis">{_n(top)}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" class="axis">0</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" '
        f'stroke="{MUTED}"/>',
    ]
    for i, (day, n, bad) in enumerate(zip(days, calls, violating, strict=True)):
        x = left + i * (bar + gap)
        tall, red = n * scale, bad * scale
        said = f"{day}: {_n(n)} calls, {_n(bad)} violating"
        parts.append(
            f'<g class="day" data-day="{escape(day)}" data-calls="{n}" data-violating="{bad}">'
            f"<title>{escape(said)}</title>"
            f'<rect x="{x}" y="{height - bottom - tall:.1f}" width="{bar}" height="{tall:.1f}" '
            f'fill="{CALLS}"/>'
            + (f'<rect x="{x}" y="{height - bottom - red:.1f}" width="{bar}" '
               f'height="{red:.1f}" fill="{VIOLATING}"/>' if bad else "")
            + "</g>"
        )  # fmt: skip
    end = left + len(days) * (bar + gap) - gap
    if len(days) > 1 and end - left >= 170:  # room for both dates under the bars
        parts.append(f'<text x="{left}" y="{height - 4}" class="axis">{escape(days[0])}</text>'
                     f'<text x="{end}" y="{height - 4}" text-anchor="end" class="axis">'
                     f"{escape(days[-1])}</text>")  # fmt: skip
    elif days:
        span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
        parts.append(f'<text x="{left}" y="{height - 4}" class="axis">{escape(span)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbars(chart_id: str, rows: Sequence[tuple[str, int, str]], title: str,
          color: str = CALLS) -> Markup:  # fmt: skip
    """Labelled horizontal bars, one per (label, value, link or ""), the value written after
    each bar; a label with a link is one."""
    row, label_width, bar_width = 26, 260, 300
    width = label_width + bar_width + 90
    top = max((value for _, value, _ in rows), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {width} '
        f'{row * len(rows) + 8}" width="{width}" height="{row * len(rows) + 8}" '
        f'style="max-width:100%;height:auto"><title id="{chart_id}-t">{escape(title)}</title>'
    ]
    for i, (label, value, link) in enumerate(rows):
        y = i * row + 4
        size = value / top * bar_width
        shown = escape(label if len(label) <= 36 else label[:35] + "…")
        text = f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{shown}</text>'
        if link:
            text = f'<a href="{escape(link)}">{text}</a>'
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f"<title>{escape(label)}: {_n(value)}</title>{text}"
            f'<rect x="{label_width}" y="{y + 3}" width="{size:.1f}" height="{row - 8}" '
            f'fill="{color}"/><text x="{label_width + size + 6:.1f}" y="{y + 17}" '
            f'class="value">{_n(value)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
