"""Changelogs on catalog pages: Markdown rendered by markdown-it-py, no raw HTML let through."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with tables, raw HTML off: a plan's strings (event names, descriptions, the
# migration notes of a pull request) reach a changelog, and must stay text. markdown-it
# also refuses javascript:, vbscript: and file: links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_inline(text: str) -> Markup:
    """HTML for one line of Markdown (a changelog item on an event's history)."""
    return Markup(_MARKDOWN.renderInline(text))


def markdown_html(text: str, demote: int = 2) -> Markup:
    """HTML for a Markdown text, its headings `demote` levels down (a changelog's `#` title
    sits under the page's own headings)."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + demote)}"
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))
