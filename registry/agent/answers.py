"""An event explained, a call checked and a new name weighed: what an assistant asks first."""

from __future__ import annotations

import difflib
from typing import Any

from registry.agent.knowledge import DATA_NOTE, Knowledge, PlanKnowledge
from registry.catalog.example import calls, example_payload, methods
from registry.eventcheck.calls import Malformed
from registry.eventcheck.kinds import KIND_BY_ID
from registry.jsontext import indented_json
from registry.lint import naming
from registry.load.pii import carries, pii_class
from registry.load.settings import Conventions
from registry.release.artifacts import document_properties

LANGUAGES = ("typescript", "python", "go", "java", "kotlin", "swift")
SIMILAR = 0.72  # how alike two names must be for the existing one to be offered for reuse


class AgentError(Exception):
    """What an assistant asked for cannot be answered (the message says why and what to do)."""


def _named_plan(knowledge: Knowledge, plan: str) -> PlanKnowledge:
    found = knowledge.plans.get(plan)
    if found is not None:
        return found
    if plan in knowledge.left_out:
        raise AgentError(f"plan '{plan}' is left out: its files do not validate (run "
                         "`trackplan validate` to see why)")  # fmt: skip
    raise AgentError(f"no plan '{plan}'; the plans are: {', '.join(sorted(knowledge.plans))}")


def _plan_for(knowledge: Knowledge, event: str, plan: str | None) -> PlanKnowledge:
    if plan is not None:
        return _named_plan(knowledge, plan)
    holding = knowledge.holding(event)
    if len(holding) > 1:
        named = ", ".join(p.id for p in holding)
        raise AgentError(f"event '{event}' is in several plans ({named}): name one with `plan`")
    if holding:
        return holding[0]
    if len(knowledge.plans) == 1:
        return next(iter(knowledge.plans.values()))
    left = (f" (left out, as they do not validate: {', '.join(knowledge.left_out)})"
            if knowledge.left_out else "")  # fmt: skip
    raise AgentError(f"no plan defines event '{event}'{_closest(knowledge, event)}{left}")


def _closest(knowledge: Knowledge, name: str) -> str:
    for plan in knowledge.plans.values():
        if name in plan.former_names:
            return f"; it was renamed to '{plan.former_names[name]}' in plan '{plan.id}'"
    names = sorted({e for p in knowledge.plans.values() for e in p.events})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    return f"; the closest: {', '.join(repr(c) for c in close)}" if close else ""


def _required(props: Any) -> list[str]:
    """The required property paths, as `trackplan check` writes them (`products[].sku`)."""
    return [path for path, spec in document_properties(props) if spec.get("required") is True]


def _personal(props: Any) -> dict[str, str]:
    return {path: pii_class(spec.get("pii")) or "" for path, spec in document_properties(props)
            if carries(spec.get("pii"))}  # fmt: skip


def get_event(knowledge: Knowledge, event: str, plan: str | None = None,
              language: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Everything needed to send `event` right: its properties (schema), the required ones
    (the plan's common ones too), personal data, deprecation, former names, and the
    generated function that sends it in each language (or `language`)."""
    if language is not None and language not in LANGUAGES:
        raise AgentError(f"language '{language}' is none of {', '.join(LANGUAGES)}")
    chosen = _plan_for(knowledge, event, plan)
    spec = chosen.events.get(event)
    if spec is None:
        raise AgentError(f"plan '{chosen.id}' has no event '{event}'{_closest(knowledge, event)}")
    common = (chosen.document.get("common") or {}).get("properties") or {}
    properties = spec.get("properties") or {}
    payload = example_payload(properties, common)
    sends = _methods(chosen).get(event, {})
    wanted = [language] if language else list(LANGUAGES)
    deprecated = spec.get("deprecated")
    return {
        "note": DATA_NOTE,
        "plan": chosen.id, "version": chosen.version, "event": event,
        "description": spec.get("description", ""),
        "owners": spec.get("owners") or chosen.document.get("owners") or [],
        "sources": spec.get("sources") or sorted(chosen.document.get("sources") or {}),
        "stage": spec.get("stage", ""),
        "closed": spec.get("additional_properties") is False,
        "properties": properties,
        "required": _required(properties),
        "common_required": _required({k: v for k, v in common.items()
                                      if isinstance(v, dict) and v.get("required") is True}),
        "personal_data": _personal(properties),
        "deprecated": deprecated if deprecated else None,
        "replaced_by": deprecated.get("replaced_by") if isinstance(deprecated, dict) else None,
        "former_names": spec.get("renamed_from") or [],
        "example": payload,
        "generated": {lang: {"method": sends[lang], "call": line}
                      for lang, line in calls(sends, payload, indented_json(payload))
                      if lang in wanted},
    }  # fmt: skip


def _methods(plan: PlanKnowledge) -> dict[str, dict[str, str]]:
    cached: dict[str, dict[str, str]] | None = plan.__dict__.get("_methods")
    if cached is None:
        cached = plan.__dict__["_methods"] = methods(sorted(plan.events))
    return cached


def validate_call(knowledge: Knowledge, event: str, properties: Any,
                  plan: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The violations `trackplan check` reports for one track call of `event`."""
    if not isinstance(properties, dict):
        raise AgentError("`properties` must be an object of property names and values")
    if plan is None and not knowledge.holding(event):
        former = [p for p in knowledge.plans.values() if event in p.former_names]
        if former:
            plan = former[0].id  # its plan says it was renamed
        elif len(knowledge.plans) > 1:
            return {"note": DATA_NOTE, "event": event, "valid": False, "violations": [
                {"kind": "unplanned-event", "level": "violation", "property": "",
                 "detail": f"not in any plan ({', '.join(sorted(knowledge.plans))})"
                           f"{_closest(knowledge, event)}"}]}  # fmt: skip
    chosen = _plan_for(knowledge, event, plan)
    result = chosen.checker.check({"type": "track", "event": event, "properties": properties})
    if isinstance(result, Malformed):
        raise AgentError(f"not a call: {result.reason}")
    found = [{"kind": v.kind, "level": KIND_BY_ID[v.kind].level, "property": v.property,
              "detail": v.detail} for v in result[2]]  # fmt: skip
    return {
        "note": DATA_NOTE,
        "plan": chosen.id,
        "version": chosen.version,
        "event": event,
        "valid": not any(f["level"] == "violation" for f in found),
        "violations": found,
    }


MAX_NAME = 200


def _weigh(name: str, conventions: Conventions) -> tuple[list[str], str]:
    """What the conventions say of `name`, and the name they want."""
    problems, suggested = [], name
    if conventions.event_grammar == "object-action":
        why = naming.object_action_problem(name)
        if why:
            problems.append(f"grammar: {why} (object-action, e.g. 'Order Completed')")
            suggested = naming.object_action_suggestion(suggested)
    casing = conventions.event_name
    if casing in naming.CASINGS and not naming.matches_casing(suggested, casing):
        problems.append(f"casing: not {casing}")
        suggested = naming.convert(suggested, casing)
    dynamic = naming.dynamic_part(name) if conventions.forbid_dynamic_names else None
    if dynamic:
        problems.append(f"dynamic: '{dynamic}' looks generated; put it in a property instead")
    return problems, suggested


def suggest_name(knowledge: Knowledge, name: str, plan: str | None = None) -> dict[str, Any]:
    """`name` held against the naming conventions and the events already planned: the name
    the conventions want, and the existing events close enough to reuse instead. Without
    `plan`, every plan's conventions count."""
    if not name.strip() or len(name) > MAX_NAME:
        raise AgentError(f"give a name to check (1 to {MAX_NAME} characters)")
    scope = (
        [_named_plan(knowledge, plan)] if plan else [p for _, p in sorted(knowledge.plans.items())]
    )
    problems: list[str] = []
    suggested = name
    by_plan: dict[str, Any] = {}
    judged: list[PlanKnowledge | None] = [*scope] or [None]  # no plan: default conventions
    for chosen in judged:
        conventions = chosen.conventions if chosen is not None else Conventions()
        found, wanted = _weigh(name, conventions)
        label = chosen.id if chosen is not None else ""
        by_plan[label] = {"conventional": not found, "problems": found, "suggested": wanted,
                          "event_name": conventions.event_name,
                          "event_grammar": conventions.event_grammar}  # fmt: skip
        for problem in found:
            said = f"plan '{label}': {problem}" if len(scope) > 1 else problem
            if said not in problems:
                problems.append(said)
        if found and suggested == name:
            suggested = wanted  # the first plan that wants another name says which
    exists = [{"plan": p.id, "event": e} for p in scope for e in dict.fromkeys((name, suggested))
              if e in p.events]  # fmt: skip
    renamed = [{"plan": p.id, "former_name": e, "event": p.former_names[e]} for p in scope
               for e in dict.fromkeys((name, suggested)) if e in p.former_names]  # fmt: skip
    similar = _similar(scope, [name, suggested])
    if exists:
        advice = (
            f"'{exists[0]['event']}' is planned already (plan '{exists[0]['plan']}'): reuse it."
        )
    elif renamed:
        advice = (f"'{renamed[0]['former_name']}' is a former name: send "
                  f"'{renamed[0]['event']}' (plan '{renamed[0]['plan']}').")  # fmt: skip
    elif similar and similar[0]["similarity"] >= SIMILAR:
        advice = (
            f"Reuse '{similar[0]['event']}' (plan '{similar[0]['plan']}') rather than add a "
            "near-duplicate; add a property to it if the new case needs telling apart."
        )
    else:
        advice = (f"No planned event is close: propose '{suggested}' in a pull request of the "
                  "registry (the owners review it).")  # fmt: skip
    return {"note": DATA_NOTE, "name": name, "conventional": not problems,
            "problems": problems, "suggested": suggested, "exists": exists + renamed,
            "similar": similar, "advice": advice, "by_plan": by_plan,
            "conventions_assumed": not knowledge.conventions_known}  # fmt: skip


def _similar(plans: list[PlanKnowledge], names: list[str], limit: int = 5) -> list[dict[str, Any]]:
    """The planned events most like any of `names` (word for word, case and order aside)."""
    wanted = [" ".join(sorted(naming.words(n))) for n in names]
    found: list[tuple[float, str, str]] = []
    for plan in plans:
        for event in plan.events:
            key = " ".join(sorted(naming.words(event)))
            score = max(difflib.SequenceMatcher(None, w, key).ratio() for w in wanted)
            if score >= 0.5:
                found.append((-round(score, 2), event, plan.id))
    found.sort()
    return [{"plan": p, "event": e, "similarity": -s} for s, e, p in found[:limit]]
