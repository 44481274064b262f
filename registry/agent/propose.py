"""A definition an assistant proposes, put into the plan's YAML and judged before a file changes."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from registry.agent.answers import AgentError
from registry.agent.knowledge import DATA_NOTE
from registry.diff.compare import compare
from registry.diff.engine import plan_bumps
from registry.escape import clean
from registry.findings import ERROR
from registry.lint.validate import validate
from registry.load.cache import ParseCache
from registry.load.snapshot import PLANS_DIR, MemorySnapshot
from registry.load.yamlsafe import YamlError, load_yaml
from registry.records import field, record

MAX_DEFINITION = 64 * 1024  # bytes of JSON: an event, not a plan
MAX_NAME = 200


@record
class Proposal:
    path: str  # the file the definition goes to
    text: str  # that file with it
    accepted: bool  # it validates: the file may be written
    findings: list[dict[str, Any]] = field(default_factory=list)  # what validation says
    changes: list[dict[str, Any]] = field(default_factory=list)  # the diff's changes
    bump: str = "none"
    patch: str = ""  # the file's text diff

    def answer(self, written: bool) -> dict[str, Any]:
        said = ("written to the working tree: review it, commit it and open a pull request "
                "(nothing was committed or pushed)" if written else
                "not written: fix what the findings say and propose again" if not self.accepted
                else "not written")  # fmt: skip
        return {"note": DATA_NOTE, "file": self.path, "written": written, "status": said,
                "valid": self.accepted, "findings": self.findings, "changes": self.changes,
                "version_bump": self.bump, "patch": self.patch}  # fmt: skip


def propose(files: dict[str, bytes], plan: str, name: str, definition: Any,
            parse: ParseCache | None = None) -> Proposal:  # fmt: skip
    """`definition` as event `name` of `plan`: where its definition is now (an event the plan
    has), else appended to the plan's plan.yaml; the registry validated with it and compared
    with the registry as it is. Nothing is written here."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise AgentError(f"give the event's name (1 to {MAX_NAME} characters)")
    if not isinstance(definition, dict):
        raise AgentError("`definition` must be an object: description, properties, owners...")
    if len(json.dumps(definition, ensure_ascii=False)) > MAX_DEFINITION:
        raise AgentError(f"the definition is larger than {MAX_DEFINITION // 1024} KB: propose "
                         "one event at a time")  # fmt: skip
    before = MemorySnapshot(files)
    current = validate(before, parse=parse)
    if plan not in current.registry.plans:
        known = ", ".join(sorted(current.registry.plans)) or "none"
        raise AgentError(f"no plan '{plan}' (plans: {known}); a new plan is a folder a person "
                         "creates")  # fmt: skip
    existing = current.registry.plans[plan].events.get(name)
    path = existing.location.file if existing is not None else f"{PLANS_DIR}/{plan}/plan.yaml"
    if path not in files:
        raise AgentError(f"{path}: not in the registry; add the plan's plan.yaml first")
    try:
        old_text = files[path].decode("utf-8")
        old = load_yaml(files[path]).data
        text = _with_event(old_text, name, definition, path,
                           existing.location.line if existing is not None else None)  # fmt: skip
        read = load_yaml(text.encode()).data
    except UnicodeDecodeError:
        raise AgentError(f"{path}: not UTF-8 text; fix the file first") from None
    except YamlError as exc:
        raise AgentError(f"{path}: the definition does not make valid YAML there ({exc.message})"
                         ) from None  # fmt: skip
    # The whole file must read back as it was, but for this one event: nothing else moved.
    wanted = dict(old) if isinstance(old, dict) else {}
    wanted["events"] = {**(wanted.get("events") or {}), name: json.loads(json.dumps(definition))}
    if read != wanted:
        raise AgentError(f"{path}: the file's layout keeps the definition from being placed "
                         "faithfully; add the event by hand")  # fmt: skip
    after = dict(files)
    after[path] = text.encode()
    judged = validate(MemorySnapshot(after), parse=parse)
    mine = [f for f in judged.findings
            if f.plan == plan or f.location.file.startswith(f"{PLANS_DIR}/{plan}/")]  # fmt: skip
    had = {(f.rule, f.message) for f in current.findings}
    new_errors = [f for f in mine if f.level == ERROR and (f.rule, f.message) not in had]
    findings = [{"rule": f.rule, "level": f.level, "file": f.location.file,
                 "line": f.location.line, "message": clean(f.message), "hint": clean(f.hint)}
                for f in mine][:50]  # fmt: skip
    patch = "".join(difflib.unified_diff(_split(old_text), _split(text),
                                         f"a/{path}", f"b/{path}"))  # fmt: skip
    proposal = Proposal(path, text, not new_errors, findings, patch=patch)
    if proposal.accepted:
        report = compare(before, MemorySnapshot(after), validate_head=False, parse=parse)
        changes = [c for c in report.changes if c.plan == plan]
        proposal.changes = [{"rule": c.rule, "level": c.level, "message": c.message,
                             "migration": c.migration} for c in changes][:100]  # fmt: skip
        proposal.bump = plan_bumps(changes).get(plan, "none")
    return proposal


_TOP_KEY = re.compile(r"[^\s#-][^:#]*:")  # a key at the left margin
# Characters some readers take for a line break (YAML 1.2 does not), and those YAML will not
# print raw (C1 controls, noncharacters): written as escapes.
_ESCAPED = re.compile("[\u0080-\u009f\u2028\u2029\ufffe\uffff]")


def _split(text: str) -> list[str]:
    """The file's lines as YAML reads them: broken at \\n only (str.splitlines would also
    break at characters YAML reads inside a line), each with its ending."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])  # the last line as it is: without an ending if it had none
    return lines


def _content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _with_event(text: str, name: str, definition: dict[str, Any], path: str,
                line: int | None) -> str:  # fmt: skip
    """The file's text with `name` set to `definition` under `events:`: the event's own
    lines (its key at `line`, 1-based, as the loader found it) replaced, or new lines at the
    end of the block; every other line, comments included, as it was."""
    lines = _split(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline  # what follows it needs a line of its own
    start = next((i for i, x in enumerate(lines) if re.match(r"events:\s*(#.*)?$", x)), None)
    if start is None:
        if any(re.match(r"events\s*:", x) for x in lines):
            raise AgentError(f"{path}: `events:` is written in a form that cannot be edited "
                             "line by line (flow style?); add the event by hand")  # fmt: skip
        block = "events:\n" + _block(name, definition, 2)
        return "".join(lines) + ("\n" if lines else "").replace("\n", newline) + \
            block.replace("\n", newline)  # fmt: skip
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    indent = next((_indent(x) for x in lines[start + 1 : end] if _content(x)), 2)
    block = _block(name, definition, indent).replace("\n", newline)
    if line is None:  # new: after the block's last line that says something
        last = max((i for i in range(start + 1, end) if _content(lines[i])), default=start)
        return "".join([*lines[: last + 1], block, *lines[last + 1 :]])
    at = line - 1
    if not (start < at < end) or _indent(lines[at]) != indent:
        raise AgentError(f"{path}:{line}: the event's definition is not where the file's "
                         "layout can be edited line by line; change it by hand")  # fmt: skip
    last = at  # its last line: the last one, comments aside, indented deeper than its key
    for i in range(at + 1, end):
        if not _content(lines[i]):
            continue
        if _indent(lines[i]) <= indent:
            break
        last = i
    return "".join([*lines[:at], block, *lines[last + 1 :]])


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9 _./()-]*\Z")
_RESERVED = frozenset("y yes n no true false on off null ~".split())
FLOW_WIDTH = 72  # a mapping or list of plain values this short stays on one line


def _scalar(value: Any) -> str:
    """A YAML scalar that reads back as `value`: plain where YAML takes it as that string,
    else JSON (a JSON string is a YAML double-quoted scalar), with the characters some
    readers take for a line break escaped."""
    if isinstance(value, str):
        plain = _PLAIN.match(value) and value.strip() == value and value.lower() not in _RESERVED
        if plain:
            return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _flow(value: Any) -> str | None:
    """`value` on one line (`{type: string, required: true}`, `[web, ios]`), if it is a
    short mapping or list of plain values."""
    if isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values()):
        text = "{" + ", ".join(f"{_scalar(str(k))}: {_scalar(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        text = "[" + ", ".join(_scalar(v) for v in value) + "]"
    else:
        return None
    return text if len(text) <= FLOW_WIDTH else None


def _lines(value: dict[str, Any], indent: int) -> list[str]:
    out = []
    for key, item in value.items():
        head = " " * indent + _scalar(str(key)) + ":"
        flow = _flow(item) if isinstance(item, (dict, list)) else _scalar(item)
        if flow is not None:
            out.append(f"{head} {flow}\n")
        elif isinstance(item, dict):
            out += [head + "\n", *_lines(item, indent + 2)]
        else:
            out.append(head + "\n")
            for entry in item:
                if isinstance(entry, dict) and entry and _flow(entry) is None:
                    nested = _lines(entry, indent + 4)
                    out += [" " * (indent + 2) + "- " + nested[0].lstrip(" "), *nested[1:]]
                else:
                    shown = _flow(entry) if isinstance(entry, (dict, list)) else _scalar(entry)
                    out.append(" " * (indent + 2) + "- " + (shown or json.dumps(entry)) + "\n")
    return out


def _block(name: str, definition: dict[str, Any], indent: int) -> str:
    """`name: definition` as block YAML in the style of the examples, `indent` spaces in."""
    if not definition:
        return " " * indent + _scalar(name) + ": {}\n"
    return " " * indent + _scalar(name) + ":\n" + "".join(_lines(definition, indent + 2))
