"""One escaping function per place a plan string lands: Markdown, HTML, Slack, source code.

Every name, description, owner, path or message built from a plan or a pull request is
hostile: it may hold Markdown, HTML, a mention, a newline that forges a heading, an unclosed
`<!--` that hides the rest of a comment, a `*/` that ends a comment of generated code. A
writer never pastes such a string; it calls the function for the context it writes:

- `md_text`: Markdown prose and table cells (GitHub comments, check runs, release notes);
- `md_code`: a Markdown code span (owners, file names, plan ids: shown, never linked);
- `md_url_path`: a path inside a link's URL;
- `md_block`: the PR author's own Markdown (migration notes), kept but defused;
- `html_text`: HTML text and attribute values;
- `slack_text`: Slack mrkdwn;
- `code_comment`: a one-line comment of generated code (`//`, `/* */`, `#`);
- `py_docstring`: text inside a Python docstring;
- `pointer_token` / `pointer_name`: a name as one JSON Pointer token (RFC 6901) and back;
- `js_string`: a string literal of generated TypeScript (Python's: `repr`);
- `clean`: a terminal or a log line (control characters shown, never obeyed).
"""

from __future__ import annotations

import json
import re
import unicodedata

# Joins two characters invisibly: placed after '@' or '#', it keeps GitHub from reading a
# mention or an issue reference in text, and it breaks an autolinked URL or commit sha.
WORD_JOINER = "\u2060"

# Line breaks of every kind, and the other characters that are never text: C0 and C1
# controls, DEL, and the bidirectional overrides that make text read other than it is.
_BREAKS = re.compile("[\r\n\u0085\u2028\u2029\x0b\x0c]+")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069\ufeff]")  # fmt: skip
# The punctuation that makes Markdown inside a line: emphasis, code, links and images, HTML
# and entities, table pipes. Backslash-escaped, each renders as itself (text written by
# md_text is always one line inside a line of ours, so line-start marks cannot act).
_MD_PUNCTUATION = re.compile(r"([\\`*_~\[\]<>|&])")
# What GitHub links in text after rendering: @user, #1, owner/repo#1, GH-1, commit shas,
# bare URLs. A word joiner after '@', '#' and in '://' or 'www.' defuses them.
_SHA_RUN = re.compile(r"[0-9a-fA-F]{7,}")


def one_line(text: str) -> str:
    """`text` with line breaks as spaces and control characters dropped."""
    return _CONTROLS.sub("", _BREAKS.sub(" ", text))


def _unlinked(text: str) -> str:
    """Text GitHub will not turn into mentions, references, commit links or URLs."""
    text = text.replace("@", "@" + WORD_JOINER).replace("#", "#" + WORD_JOINER)
    text = text.replace("://", ":" + WORD_JOINER + "//").replace("www.", "www" + WORD_JOINER + ".")
    text = re.sub(r"\b(GH)-", r"\1" + WORD_JOINER + "-", text, flags=re.IGNORECASE)
    return _SHA_RUN.sub(
        lambda m: WORD_JOINER.join(m.group()[i : i + 6] for i in range(0, len(m.group()), 6)), text
    )


def md_text(value: object) -> str:
    """Markdown prose or a table cell: one line, every punctuation mark escaped, nothing
    GitHub would link or mention."""
    text = one_line(str(value))
    return _MD_PUNCTUATION.sub(r"\\\1", _unlinked(text))


def md_code(value: object) -> str:
    """A Markdown code span: shown as written (one line), never a mention or a link. The
    fence is one backtick longer than any run inside; a pipe is escaped for tables."""
    text = one_line(str(value)).replace("|", "\u2223")  # a table cell ends at any '|'
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_URL_PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def md_url_path(path: str) -> str:
    """A file path inside a Markdown link's URL: percent-encoded (RFC 3986), '/' kept."""
    return "".join(chr(b) if chr(b) in _URL_PATH_SAFE else f"%{b:02X}"
                   for b in one_line(path).encode())  # fmt: skip


# Lines that would make structure of their own in the author's notes: an ATX heading, a
# setext underline or thematic break (`---`, `===`, `* * *`), a code fence (a fence's
# bounds are easy to misjudge, and an unclosed one swallows what follows).
_STRUCTURE_LINE = re.compile(
    r"(?:[ \t]*(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]))*[ \t]*"
    r"(#|[-=*_][-=*_ \t]*$|`{3}|~{3})"
)  # after list markers too


def md_block(markdown: str) -> str:
    """The PR author's own Markdown (migration notes): lists, emphasis, links and inline code
    stay; no HTML (a `<!--` would hide what follows), no headings, rules or fences (they
    would forge or swallow the bot's sections), no mentions or issue references (the bot
    does not ping for them). Every line is treated alike: nothing depends on telling where
    a code block starts or ends."""
    lines = []
    text = _CONTROLS.sub("", markdown.replace("\r\n", "\n").replace("\r", "\n"))
    for raw in re.split("[\n\u2028\u2029\x85\x0b\x0c]", text):
        line = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        line = re.sub(r"@(?=[A-Za-z0-9])", "@" + WORD_JOINER, line)
        line = re.sub(r"#(?=[0-9])", "#" + WORD_JOINER, line)
        line = re.sub(r"\b(GH)-(?=[0-9])", r"\1" + WORD_JOINER + "-", line, flags=re.IGNORECASE)
        found = _STRUCTURE_LINE.match(line)
        if found:
            at = found.start(1)
            line = line[:at] + "\\" + line[at:]
        lines.append(line)
    return "\n".join(lines)


def html_text(value: object) -> str:
    """HTML text or a quoted attribute value."""
    import html  # here: html loads its entity table, which only HTML output needs

    return html.escape(str(value), quote=True)


def slack_text(value: object) -> str:
    """Slack mrkdwn: one line; '&', '<' and '>' escaped as Slack asks (no `<!channel>`, no
    disguised `<url|text>` link), and formatting marks defused with a word joiner."""
    text = one_line(str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([*_~`])", WORD_JOINER + r"\1" + WORD_JOINER, text)


def code_comment(value: object) -> str:
    """A one-line comment of generated code: no line break (it would end a `//` or `#`
    comment), no `*/` (it would end a block comment)."""
    return " ".join(one_line(str(value)).replace("*/", "*\\/").split())


def doc_text(value: object) -> str:
    """A line of a documentation comment (JSDoc, Javadoc, KDoc) from a plan: a code comment
    whose `@` starts no tag (`@deprecated`, `@internal`, `{@link}`): written `&#64;`, which
    each renders as `@`."""
    return code_comment(value).replace("@", "&#64;")


def js_string(value: object) -> str:
    """A JavaScript/TypeScript (and JSON) literal; U+2028/9 escaped (older engines end a
    string there), '<' escaped so a literal cannot close a `</script>` either."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return (text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            .replace("<", "\\u003c"))  # fmt: skip


def py_docstring(value: object) -> str:
    """Text inside a Python docstring: one line, backslashes and every quote escaped (a
    `\"` cannot end the docstring, nor can a quote just before its closing quotes)."""
    return code_comment(value).replace("\\", "\\\\").replace('"', '\\"')


def clean(text: str) -> str:
    """Text safe for a terminal or a log: control and format characters (ANSI escapes,
    carriage returns, bidi overrides, zero-width marks) shown as escapes, never obeyed."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " " or unicodedata.category(char) in ("Zs",):
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def pointer_token(name: str) -> str:
    """`name` as one JSON Pointer token (RFC 6901): `~` as `~0`, `/` as `~1`."""
    return name.replace("~", "~0").replace("/", "~1")


def pointer_name(token: str) -> str:
    """The name a JSON Pointer token stands for: `pointer_name(pointer_token(n)) == n`."""
    return token.replace("~1", "/").replace("~0", "~")
