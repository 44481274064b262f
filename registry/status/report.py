"""The calls found in an app's code held against its plans: findings by kind, and output."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from registry.escape import clean
from registry.lint.render import escape_data, escape_property, markdown_table
from registry.records import field, record
from registry.status.calls import GROUP, IDENTIFY, TRACK, CallSpec, argument, iglu_name
from registry.status.scan import Generated, Scan
from registry.status.source import MAP, STRING, Call, Value
from registry.text import plural

# The kinds [contract: the JSON report's keys], in the order the report lists them.
UNPLANNED = "unplanned"
STALE = "stale_generated"
DRIFT = "property_drift"
DEPRECATED = "deprecated_called"
NEVER_CALLED = "planned_never_called"
DYNAMIC = "dynamic"
KINDS = (UNPLANNED, STALE, DRIFT, DEPRECATED, NEVER_CALLED, DYNAMIC)
ERROR, WARNING, INFO = "error", "warning", "info"
LEVELS = (ERROR, WARNING, INFO)
FAIL_ON = ("error", "warning", "never")
# Languages whose generated Tracker takes a literal map of properties (the typed ones take
# objects their compiler checks).
MAP_LANGUAGES = ("typescript", "javascript", "python")


@record(frozen=True)
class Finding:
    kind: str
    level: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    plan: str = ""
    event: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[int, str, int, int, str, str, str]:
        return (KINDS.index(self.kind), self.file, self.line, self.column, self.plan,
                self.event, self.message)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "message": self.message}
        if self.file:
            out.update(file=self.file, line=self.line, column=self.column)
        if self.plan:
            out["plan"] = self.plan
        if self.event:
            out["event"] = self.event
        out.update(self.detail)
        return out


@record
class PlanUse:
    plan: str
    version: str
    events: int
    called: set[str] = field(default_factory=set)


@record
class StatusReport:
    plans: list[PlanUse]
    findings: list[Finding]
    files: int
    calls: int  # tracking calls recognised
    skipped: list[tuple[str, str]]

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        wanted = (ERROR,) if fail_on == "error" else (ERROR, WARNING)
        return any(f.level in wanted for f in self.findings)


@record
class _Plans:
    """The events of every plan by name, former names, and traits, for look-ups."""

    documents: Sequence[Mapping[str, Any]]
    events: dict[str, list[tuple[str, Mapping[str, Any]]]] = field(default_factory=dict)
    former: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    by_snake: dict[str, list[str]] = field(default_factory=dict)
    # Event names by the lower-case trigrams they hold: the few worth a full comparison.
    trigrams: dict[str, list[str]] = field(default_factory=dict)
    closest_cache: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for doc in self.documents:
            for name, body in (doc.get("events") or {}).items():
                self.events.setdefault(name, []).append((doc["plan"], body))
                self.by_snake.setdefault(_snake(name), []).append(name)
                for old in body.get("renamed_from") or ():
                    self.former.setdefault(str(old), []).append((doc["plan"], name))
        for name in self.events:
            for gram in _trigrams(name):
                self.trigrams.setdefault(gram, []).append(name)

    def closest(self, name: str) -> str | None:
        """The planned event a name most likely means (difflib's ratio >= 0.6), compared
        only with the events sharing most trigrams with it: 2,000 full comparisons per
        unplanned call would dominate a scan."""
        if name not in self.closest_cache:
            shared: dict[str, int] = {}
            for gram in _trigrams(name):
                for candidate in self.trigrams.get(gram, ()):
                    shared[candidate] = shared.get(candidate, 0) + 1
            ranked = sorted(shared, key=lambda n: (-shared[n], n))[:CANDIDATES]
            close = difflib.get_close_matches(name, ranked, n=1, cutoff=0.6)
            self.closest_cache[name] = close[0] if close else None
        return self.closest_cache[name]

    def traits(self, kind: str) -> dict[str, Mapping[str, Any]]:
        found: dict[str, Mapping[str, Any]] = {}
        for doc in self.documents:
            found.update((doc.get(kind) or {}).get("traits") or {})
        return found

    def common(self, plan: str) -> Mapping[str, Any]:
        doc = next((d for d in self.documents if d["plan"] == plan), {})
        return (doc.get("common") or {}).get("properties") or {}


CANDIDATES = 40


def _trigrams(name: str) -> set[str]:
    text = f"  {name.lower()} "
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _snake(name: str) -> str:
    return "_".join("".join(c.lower() if c.isalnum() else " " for c in name).split())


def build_report(
    documents: Sequence[Mapping[str, Any]],
    scan: Scan,
    specs: Sequence[CallSpec],
    generated_calls: Mapping[str, Mapping[str, list[tuple[str, str]]]],
    regenerate: Callable[[Generated], str | None],
    today: date | None = None,
) -> StatusReport:
    """`generated_calls[language][method]`: the (plan, event) pairs a generated Tracker
    method sends; `regenerate(file)`: what `generate` writes today for that generated file
    (None: its plan is not among these)."""
    plans = _Plans(documents)
    uses = {d["plan"]: PlanUse(d["plan"], str(d.get("version", "")), len(d.get("events") or {}))
            for d in documents}  # fmt: skip
    findings: list[Finding] = []
    recognised = 0
    today = today or date.today()
    by_name, globbed = _by_last_name(specs)
    traits_sent: dict[str, list[Value | None]] = {}  # identify/group -> each call's traits
    for call, language in scan.calls:
        sent = generated_calls.get(language, {}).get(call.method) if "." in call.callee else None
        if sent:
            recognised += 1
            for plan, event in sent:
                uses[plan].called.add(event)
                findings += _deprecated(call, plan, event, plans, today)
            props = call.args[0] if call.args else call.named.get("properties")
            if language in MAP_LANGUAGES and props is not None:
                findings += _drift(call, sent[0][1], props, plans)
            continue
        spec = next((s for s in by_name.get(call.method, globbed) if s.matches(call, language)),
                    None)  # fmt: skip
        if spec is None:
            continue
        name_value = argument(call, spec.event)
        if name_value is None:
            continue  # not the SDK's call after all (no event argument at all)
        recognised += 1
        if spec.kind != TRACK:
            findings += _traits(call, spec, plans)
            traits_sent.setdefault(spec.kind, []).append(argument(call, spec.properties))
            continue
        if name_value.kind != STRING or name_value.text is None:
            findings.append(Finding(DYNAMIC, INFO, f"{spec.sdk} call {call.callee}() sends an "
                                    "event whose name is not a literal: not checked",
                                    call.file, call.line, call.column,
                                    detail={"call": call.callee}))  # fmt: skip
            continue
        name = name_value.text
        if spec.iglu:
            name = _from_iglu(name, plans) or name
        matched = plans.events.get(name)
        if not matched:
            findings.append(_unplanned(call, name, plans))
            continue
        for plan, _ in matched:
            uses[plan].called.add(name)
            findings += _deprecated(call, plan, name, plans, today)
        props = argument(call, spec.properties)
        if props is not None:
            findings += _drift(call, name, props, plans)
    for use in uses.values():
        doc = next(d for d in documents if d["plan"] == use.plan)
        for event in sorted(doc.get("events") or {}):
            if event not in use.called:
                findings.append(Finding(
                    NEVER_CALLED, WARNING, f"event '{event}' of plan '{use.plan}' is planned "
                    "but no code here sends it", plan=use.plan, event=event))  # fmt: skip
    findings += _traits_never_sent(plans, traits_sent)
    skipped = list(scan.skipped)
    for file in scan.generated:
        fresh = regenerate(file)
        if fresh is None:
            skipped.append((file.file, f"generated from plan '{file.plan}', which is not among "
                                       "the plans checked"))  # fmt: skip
        # A checkout with CRLF line ends (git's autocrlf) holds the same code.
        if fresh is not None and fresh != file.text.replace("\r\n", "\n"):
            findings.append(Finding(
                STALE, ERROR, f"{file.language} code generated from plan '{file.plan}' "
                f"{file.version} does not match the plan as checked here", file.file, 1, 1,
                file.plan, detail={"language": file.language, "version": file.version},
            ))  # fmt: skip
    return StatusReport(list(uses.values()), sorted(findings, key=Finding.sort_key),
                        scan.files, recognised, skipped)  # fmt: skip


def _by_last_name(specs: Sequence[CallSpec]) -> tuple[dict[str, list[CallSpec]], list[CallSpec]]:
    """The specs a call's last name can match, in their order: most calls are ruled out by
    one dictionary look-up. Specs whose last name is a glob are tried on every call."""
    globbed = [s for s in specs if any(_glob(p.rsplit(".", 1)[-1]) for p in s.call)]
    names: dict[str, list[CallSpec]] = {}
    for spec in specs:
        for pattern in spec.call:
            last = pattern.rsplit(".", 1)[-1]
            if not _glob(last):
                names.setdefault(last, [])
    for last, found in names.items():
        found += [s for s in specs if s in globbed or any(p.rsplit(".", 1)[-1] == last
                                                          for p in s.call)]  # fmt: skip
    return names, globbed


def _glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _from_iglu(uri: str, plans: _Plans) -> str | None:
    """The planned event an Iglu schema URI names: its name as the event's, or snake-cased."""
    name = iglu_name(uri)
    if name is None:
        return None
    if name in plans.events:
        return name
    found = plans.by_snake.get(_snake(name))
    return found[0] if found else name


def _unplanned(call: Call, name: str, plans: _Plans) -> Finding:
    renamed = plans.former.get(name)
    detail: dict[str, Any] = {"call": call.callee}
    if renamed:
        plan, now = renamed[0]
        detail.update(renamed_to=now, plan_of_rename=plan)
        return Finding(UNPLANNED, ERROR, f"event '{name}' is not planned: it still sends the "
                       f"old name of '{now}' (plan '{plan}')", call.file, call.line, call.column,
                       event=name, detail=detail)  # fmt: skip
    close = plans.closest(name)
    if close:
        detail["closest"] = close
    said = f"; did you mean '{close}'?" if close else ""
    return Finding(UNPLANNED, ERROR, f"event '{name}' is not planned{said}", call.file,
                   call.line, call.column, event=name, detail=detail)  # fmt: skip


def _deprecated(call: Call, plan: str, event: str, plans: _Plans, today: date) -> list[Finding]:
    body = next((b for p, b in plans.events.get(event, []) if p == plan), {})
    deprecated = body.get("deprecated")
    if not deprecated:
        return []
    info = deprecated if isinstance(deprecated, Mapping) else {}
    sunset = str(info.get("sunset") or "")
    passed = bool(sunset) and sunset < today.isoformat()
    said = f"event '{event}' of plan '{plan}' is deprecated"
    if info.get("replaced_by"):
        said += f": send '{info['replaced_by']}' instead"
    if sunset:
        said += f" (sunset {sunset}{', passed' if passed else ''})"
    detail = {k: info[k] for k in ("reason", "replaced_by", "sunset") if info.get(k)}
    return [Finding(DEPRECATED, ERROR if passed else WARNING, said, call.file, call.line,
                    call.column, plan, event, detail)]  # fmt: skip


def _drift(call: Call, event: str, props: Value, plans: _Plans) -> list[Finding]:
    """Literal keys the event does not define; required ones a closed literal leaves out."""
    if props.kind != MAP:
        return []
    # An event several plans define is sent right when one of them accepts the call: the
    # plan with the fewest findings speaks for it.
    per_plan = [_drift_in(call, event, props, plans, plan, body)
                for plan, body in plans.events.get(event, [])]  # fmt: skip
    return min(per_plan, key=len) if per_plan else []


def _drift_in(call: Call, event: str, props: Value, plans: _Plans, plan: str,
              body: Mapping[str, Any]) -> list[Finding]:  # fmt: skip
    found: list[Finding] = []
    own = dict(body.get("properties") or {})
    for variant in body.get("variants") or ():
        for case in [*(variant.get("cases") or ()), variant.get("default") or {}]:
            own.update(case.get("properties") or {})
    known = set(own) | set(plans.common(plan))
    closed = body.get("additional_properties") is False
    line = props.line or call.line
    for key in sorted(set(props.items) - known):
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        said = f"; did you mean '{close[0]}'?" if close else ""
        found.append(Finding(
            DRIFT, ERROR if closed or close else WARNING,
            f"property '{key}' sent with '{event}' is not in plan '{plan}'{said}",
            call.file, line, call.column, plan, event,
            {"property": key, "problem": "unknown", **({"closest": close[0]} if close else {})},
        ))  # fmt: skip
    if not props.open:
        for key in sorted(k for k, spec in (body.get("properties") or {}).items()
                          if isinstance(spec, Mapping) and spec.get("required") is True
                          and k not in props.items):  # fmt: skip
            found.append(Finding(
                DRIFT, ERROR, f"required property '{key}' of '{event}' is not sent",
                call.file, line, call.column, plan, event,
                {"property": key, "problem": "missing-required"},
            ))  # fmt: skip
    return found


def _traits(call: Call, spec: CallSpec, plans: _Plans) -> list[Finding]:
    traits = argument(call, spec.properties)
    if traits is None or traits.kind != MAP:
        return []
    known = plans.traits(spec.kind)
    if not known:
        return []
    what = "identify" if spec.kind == IDENTIFY else "group"
    out = []
    for key in sorted(set(traits.items) - set(known)):
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        said = f"; did you mean '{close[0]}'?" if close else ""
        out.append(Finding(DRIFT, ERROR if close else WARNING,
                           f"{what} trait '{key}' is not planned{said}", call.file,
                           traits.line or call.line, call.column, event=f"${what}",
                           detail={"property": key, "problem": "unknown"}))  # fmt: skip
    return out


def _traits_never_sent(plans: _Plans, sent: Mapping[str, list[Value | None]]) -> list[Finding]:
    """Planned identify and group traits no code sends: all of them when no call identifies
    (or groups) at all; those no call passes, when every call passes a literal map whose
    keys are all known (a variable or a spread could carry any trait)."""
    out = []
    for kind in (IDENTIFY, GROUP):
        known = plans.traits(kind)
        calls = sent.get(kind, [])
        if not known:
            continue
        if not calls:
            out.append(Finding(NEVER_CALLED, WARNING, f"{kind} traits are planned but no code "
                               f"here calls {kind}", event=f"${kind}"))  # fmt: skip
            continue
        if any(v is None or v.kind != MAP or v.open for v in calls):
            continue
        passed = {key for v in calls if v is not None for key in v.items}
        for trait in sorted(set(known) - passed):
            out.append(Finding(NEVER_CALLED, WARNING, f"{kind} trait '{trait}' is planned but "
                               f"no {kind} call here sends it", event=f"${kind}",
                               detail={"trait": trait}))  # fmt: skip
    return out


# --- output -----------------------------------------------------------------------------


def report_dict(report: StatusReport) -> dict[str, Any]:
    return {
        "files": report.files,
        "calls": report.calls,
        "plans": [
            {"plan": u.plan, "version": u.version, "events": u.events, "called": len(u.called)}
            for u in report.plans
        ],
        "findings": {
            kind: [f.to_dict() for f in report.findings if f.kind == kind] for kind in KINDS
        },
        "summary": {kind: report.count(kind) for kind in KINDS},
        "skipped": [{"file": f, "why": why} for f, why in report.skipped],
    }


def summary(report: StatusReport) -> str:
    counted = ", ".join(f"{report.count(k)} {k.replace('_', ' ')}" for k in KINDS
                        if report.count(k))  # fmt: skip
    planned = "; ".join(f"plan {u.plan} {u.version}: {len(u.called)} of "
                        f"{plural(u.events, 'event')} called" for u in report.plans)  # fmt: skip
    return (f"{plural(report.files, 'source file')}, {plural(report.calls, 'tracking call')}; "
            f"{planned or 'no plans'}; {counted or 'nothing to report'}")  # fmt: skip


def render(report: StatusReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        rows = [(f.kind.replace("_", " "), f.level, _where(f) or "—", f.message)
                for f in report.findings]  # fmt: skip
        return f"**trackplan status**: {clean(summary(report))}\n\n" + (
            markdown_table(("Kind", "Level", "Where", "Finding"), rows) if rows else ""
        )
    if fmt == "github":
        lines = []
        for f in report.findings:
            kind = {ERROR: "error", WARNING: "warning"}.get(f.level, "notice")
            props = f"title={escape_property(f.kind)}"
            if f.file:
                props = f"file={escape_property(f.file)},line={f.line},col={f.column}," + props
            lines.append(f"::{kind} {props}::{escape_data(f.message)}")
        return (
            "".join(line + "\n" for line in lines) + f"::notice::{escape_data(summary(report))}\n"
        )
    lines = [clean(f"{_where(f) or f.plan or f.event}: {f.level} {f.kind} {f.message}")
             for f in report.findings]  # fmt: skip
    return "".join(line + "\n" for line in lines) + clean(summary(report)) + "\n"


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}" if finding.file else ""


def tokens(specs: Iterable[CallSpec]) -> list[bytes]:
    """What a file must hold to be worth parsing: the last name of each callee, and `track`
    or `Track` (every generated Tracker method holds one); empty when a pattern ends in a
    glob: every file is parsed then."""
    found = set()
    for spec in specs:
        for pattern in spec.call:
            last = pattern.rsplit(".", 1)[-1]
            if any(c in last for c in "*?["):
                return []
            found.add(last.encode())
    found.update((b"track", b"Track"))
    return sorted(found)
