"""A new waiver as waivers.yaml text: the file's other lines and comments kept as written."""

from __future__ import annotations

from datetime import date

from registry.formats.yaml_writer import scalar
from registry.load.file_schemas import check_document
from registry.load.snapshot import WAIVERS_FILE
from registry.load.waivers import Waiver, waivers_from_data
from registry.load.yamlsafe import YamlError, load_yaml
from schemas import WAIVERS_SCHEMA

HEADER = (
    "# Changes accepted on purpose (trackplan waive). A waiver the base branch holds counts;\n"
    "# one a pull request adds counts once the owners of this file approve that pull request.\n"
    "# An expired waiver fails validation: remove it, or renew it in a reviewed change.\n"
)
FIELDS = ("rule", "subject", "reason", "expires", "accepted_by")


class WaiveError(Exception):
    """The waiver cannot be written: what is wrong and what to do."""


def entry_lines(values: dict[str, str], indent: int) -> list[str]:
    """One list entry, `- rule: …` then the other fields under it."""
    pad = " " * indent
    lines = [f"{pad}- {FIELDS[0]}: {scalar(values[FIELDS[0]])}"]
    lines += [f"{pad}  {key}: {scalar(values[key])}" for key in FIELDS[1:]]
    return lines


def with_waiver(text: str | None, rule: str, subject: str, reason: str, expires: date,
                accepted_by: str) -> tuple[str, Waiver]:  # fmt: skip
    """The waivers.yaml text with one more waiver appended, and that waiver as read back.

    The existing entries, comments and layout stay as they are (a block list gets its new
    item at the end, indented like the others). A file without entries, or whose list is
    written in flow style (`[...]`), is written anew as a block list under its leading
    comments (comments inside a flow list are not kept).
    """
    values = {"rule": rule, "subject": subject, "reason": " ".join(reason.split()),
              "expires": expires.isoformat(), "accepted_by": accepted_by.strip()}  # fmt: skip
    if not values["reason"] or not values["accepted_by"]:
        raise WaiveError("a waiver needs a reason and who accepted it")
    existing = _read(text) if text else None
    for waiver in existing or ():
        if waiver.rule == rule and waiver.subject == subject:
            raise WaiveError(
                f"{WAIVERS_FILE}:{waiver.line}: a waiver of {rule} for '{subject}' is already "
                f"there (until {waiver.expires.isoformat()}): edit that entry to renew it"
            )
    wanted = (rule, subject, values["reason"], expires, values["accepted_by"])
    if existing and text is not None:
        appended = _appended(text, values)
        if appended is not None and _last_key(appended) == wanted:
            return appended, _read(appended)[-1]
    # No entries yet, or a layout a new item cannot simply follow (a flow list, content
    # after the list): the list is written anew under the file's leading comments.
    entries = [_values(w) for w in existing or ()] + [values]
    comments = _leading_comments(text or "") or HEADER
    new = comments + "waivers:\n" + "\n".join(
        line for item in entries for line in entry_lines(item, 2)) + "\n"  # fmt: skip
    if _last_key(new) != wanted:
        raise WaiveError(f"{WAIVERS_FILE} would not read back the new waiver: edit it by hand")
    return new, _read(new)[-1]


def _appended(text: str, values: dict[str, str]) -> str | None:
    """`text` with the new item after the last one, indented like the list's items."""
    indent = _item_indent(text)
    if indent is None:
        return None
    body = text if text.endswith("\n") else f"{text}\n"
    return body + "\n".join(entry_lines(values, indent)) + "\n"


def _item_indent(text: str) -> int | None:
    """How far the list's `- ` items are indented (None: no block item found)."""
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- "):
            return len(line) - len(stripped)
    return None


def _last_key(text: str) -> tuple[str, str, str, date, str] | None:
    try:
        found = _read(text)
    except WaiveError:
        return None
    return found[-1].key if found else None


def _values(waiver: Waiver) -> dict[str, str]:
    return {"rule": waiver.rule, "subject": waiver.subject, "reason": waiver.reason,
            "expires": waiver.expires.isoformat(), "accepted_by": waiver.accepted_by}  # fmt: skip


def _read(text: str) -> tuple[Waiver, ...]:
    """The waivers of a waivers.yaml text; a file this tool cannot safely extend is refused."""
    try:
        doc = load_yaml(text.encode("utf-8"))
    except YamlError as exc:
        raise WaiveError(f"{WAIVERS_FILE}:{exc.line}: {exc.message}: fix the file first") from exc
    data = doc.data
    if data is None:
        return ()
    errors = check_document(WAIVERS_FILE, doc, WAIVERS_SCHEMA)
    if errors:
        first = errors[0]
        raise WaiveError(f"{WAIVERS_FILE}:{first.location.line}: {first.message}: fix the file "
                         "first (`trackplan validate` lists every problem)")  # fmt: skip
    if not isinstance(data, dict) or set(data) - {"waivers"}:
        raise WaiveError(f"{WAIVERS_FILE} holds more than a `waivers:` list: fix the file first "
                         "(`trackplan validate` says what is wrong)")  # fmt: skip
    entries = data.get("waivers")
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise WaiveError(f"{WAIVERS_FILE}: `waivers:` is not a list: fix the file first")
    found = waivers_from_data(data, lambda at: doc.position(at)[0])
    if len(found) != len(entries):
        raise WaiveError(f"{WAIVERS_FILE} has entries that are not valid waivers: fix the file "
                         "first (`trackplan validate` says what is wrong)")  # fmt: skip
    return found


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)
