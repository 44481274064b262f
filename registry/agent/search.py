"""Ranked search over every event: names, KPIs, properties, description, owners, stage."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from registry.agent.answers import AgentError
from registry.agent.knowledge import Knowledge
from registry.lint.naming import words
from registry.records import field, record

# How much a query word found in each field counts (a name says most about an event).
WEIGHTS = {"name": 10.0, "former name": 6.0, "kpi": 4.0, "stage": 3.0, "property": 3.0,
           "description": 2.0, "owner": 2.0, "source": 1.0}  # fmt: skip
PREFIX = 0.6  # a query word that starts a word of the event ("search" in "searched")
ALL_WORDS = 1.5  # an event that matches every word of the query
MAX_LIMIT = 50


# What people search with is a few words; an agent's query past this is refused, not run.
MAX_QUERY = 1000


@record
class _Entry:
    plan: str
    event: str
    description: str


@record
class SearchIndex:
    """Every word of every event, with the field it came from: built once, then each query
    costs a dictionary lookup per word and a scan of the words it starts."""

    entries: list[_Entry] = field(default_factory=list)
    postings: dict[str, dict[int, tuple[float, str]]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)  # sorted, for prefixes

    @classmethod
    def build(cls, knowledge: Knowledge) -> SearchIndex:
        index = cls()
        for plan_id, plan in sorted(knowledge.plans.items()):
            counted = _kpis(plan.document)
            for name, spec in sorted(plan.events.items()):
                at = len(index.entries)
                text = spec.get("description")
                index.entries.append(_Entry(plan_id, name, text if isinstance(text, str) else ""))
                index._add(at, "name", [name])
                index._add(at, "former name", _strings(spec.get("renamed_from")))
                index._add(at, "kpi", counted.get(name, []))
                index._add(at, "stage", _strings([spec.get("stage")]))
                index._add(at, "property", list(_property_names(spec.get("properties"))))
                index._add(at, "description", _strings([text]))
                index._add(at, "owner", _strings(spec.get("owners") or plan.document.get("owners")))
                index._add(at, "source", _strings(spec.get("sources")))
        index.vocabulary = sorted(index.postings)
        return index

    def _add(self, at: int, kind: str, texts: Iterable[str]) -> None:
        weight = WEIGHTS[kind]
        for text in texts:
            for word in words(text):
                found = self.postings.setdefault(word, {})
                if found.get(at, (0.0, ""))[0] < weight:
                    found[at] = (weight, kind)

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """The best events for `query`, best first: plan, event, score, where it matched."""
        if len(query) > MAX_QUERY:  # each word is a pass over the postings: bounded
            raise AgentError(f"a query of at most {MAX_QUERY} characters, please")
        asked = list(dict.fromkeys(words(query)))
        scores: dict[int, float] = {}
        matched: dict[int, dict[str, set[str]]] = {}
        for word in asked:
            best: dict[int, tuple[float, str]] = {}
            for token, factor in self._tokens(word):
                for at, (weight, kind) in self.postings[token].items():
                    if weight * factor > best.get(at, (0.0, ""))[0]:
                        best[at] = (weight * factor, kind)
            for at, (score, kind) in best.items():
                scores[at] = scores.get(at, 0.0) + score
                matched.setdefault(at, {}).setdefault(kind, set()).add(word)
        for at in scores:
            if len({w for found in matched[at].values() for w in found}) == len(asked) > 1:
                scores[at] *= ALL_WORDS
        ranked = sorted(scores, key=lambda at: (-scores[at], self.entries[at].event,
                                                self.entries[at].plan))  # fmt: skip
        limit = max(1, min(limit, MAX_LIMIT))
        return [{"plan": self.entries[at].plan, "event": self.entries[at].event,
                 "score": round(scores[at], 2), "description": self.entries[at].description[:200],
                 "matched": {kind: sorted(found) for kind, found in sorted(matched[at].items())}}
                for at in ranked[:limit]]  # fmt: skip

    def _tokens(self, word: str) -> Iterable[tuple[str, float]]:
        if word in self.postings:
            yield word, 1.0
        if len(word) < 3:
            return
        start = bisect.bisect_right(self.vocabulary, word)
        for token in self.vocabulary[start : start + 200]:  # the words it starts, nearest first
            if not token.startswith(word):
                break
            yield token, PREFIX


def _strings(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _kpis(document: dict[str, Any]) -> dict[str, list[str]]:
    """Each event's KPIs and objectives, as `objective/kpi` and their descriptions."""
    found: dict[str, list[str]] = {}
    objectives = document.get("objectives")
    for objective, spec in objectives.items() if isinstance(objectives, dict) else ():
        kpis = spec.get("kpis") if isinstance(spec, dict) else None
        for kpi, kspec in kpis.items() if isinstance(kpis, dict) else ():
            if not isinstance(kspec, dict):
                continue
            said = [f"{objective}/{kpi}", *_strings([kspec.get("description")])]
            for event in _strings(kspec.get("events")):
                found.setdefault(event, []).extend(said)
    return found


def _property_names(props: Any, prefix: str = "") -> Iterable[str]:
    for name, spec in props.items() if isinstance(props, dict) else ():
        yield prefix + str(name)
        if isinstance(spec, dict):
            nested = spec.get("properties")
            if not isinstance(nested, dict) and isinstance(spec.get("items"), dict):
                nested = spec["items"].get("properties")
            yield from _property_names(nested, f"{prefix}{name}.")
