"""Load a snapshot into the registry model: parse, check the schema, merge each plan's files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from registry.findings import ERROR, WARNING, Finding, Location
from registry.load.file_schemas import check_document
from registry.load.model import COMMON, GROUP, IDENTIFY, SHARED, Event, Plan, Property, Registry
from registry.load.settings import Settings
from registry.load.snapshot import (
    CODEOWNERS_PATHS,
    PLANS_DIR,
    SETTINGS_FILE,
    WAIVERS_FILE,
    Snapshot,
)
from registry.load.waivers import DATE, Waiver, calendar_date, waivers_from_data
from registry.load.yamlsafe import DEFAULT_LIMITS, Limits, Path, YamlDocument, YamlError, load_yaml
from registry.progress import checkpoint
from registry.records import field, record
from schemas import PLAN_SCHEMA, SETTINGS_SCHEMA, WAIVERS_SCHEMA

FILE_NOT_MAPPING = "file-not-mapping"
FILE_OUTSIDE_PLAN = "file-outside-plan"
PLAN_MISSING = "plan-missing"
PLAN_SECTION_MISPLACED = "plan-section-misplaced"
PLAN_ID_MISMATCH = "plan-id-mismatch"
PLAN_FOLDER_INVALID = "plan-folder-invalid"
DEFINITION_DUPLICATED = "definition-duplicated"
WAIVER_DATE_INVALID = "waiver-date-invalid"

PLAN_FILE = "plan.yaml"

# A parse cache maps a content digest to a parsed document (see registry.load.cache).
ParseCache = Callable[[str, bytes], YamlDocument]


@record
class LoadResult:
    registry: Registry
    findings: list[Finding] = field(default_factory=list)


def load_registry(
    snapshot: Snapshot, limits: Limits = DEFAULT_LIMITS, parse: ParseCache | None = None
) -> LoadResult:
    """Read every registry file of `snapshot` once and build the model; never raises on content."""
    findings: list[Finding] = []
    paths = _yaml_paths(snapshot)
    raw = snapshot.read_many(paths)
    prefetch = getattr(parse, "prefetch", None)  # registry.load.cache.ParseCache has one
    if prefetch is not None:
        prefetch(raw.items())
    documents: dict[str, YamlDocument] = {}
    for path in paths:
        checkpoint()
        # Each file's bytes are let go once parsed: the documents are what the model keeps.
        doc = _parse(path, raw.pop(path), limits, parse, findings)
        if doc is not None:
            documents[path] = doc
    settings = _load_settings(documents, findings)
    plans = _load_plans(paths, documents, findings)
    registry = Registry(settings, plans, documents)
    registry.waivers = _load_waivers(documents, findings)
    owners_path = next((p for p in CODEOWNERS_PATHS if p in snapshot.paths()), None)
    if owners_path is not None:
        registry.codeowners_path = owners_path
        registry.codeowners_text = snapshot.read(owners_path).decode("utf-8", errors="replace")
    return LoadResult(registry, findings)


def read_yaml_files(*snapshots: Snapshot) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every YAML file of each snapshot in turn: what `load_registry`
    parses. This holds one snapshot's bytes at a time; what a caller keeps is its own (a
    git snapshot keeps the blobs it read)."""
    for snapshot in snapshots:
        yield from snapshot.read_many(_yaml_paths(snapshot)).items()


def _yaml_paths(snapshot: Snapshot) -> list[str]:
    return [p for p in snapshot.paths() if p.endswith((".yaml", ".yml"))]


def _parse(
    path: str, data: bytes, limits: Limits, parse: ParseCache | None, findings: list[Finding]
) -> YamlDocument | None:
    try:
        if parse is not None and len(data) <= limits.max_bytes:
            return parse(path, data)
        return load_yaml(data, limits)
    except YamlError as exc:
        findings.append(
            Finding(
                exc.rule,
                ERROR,
                Location(path, exc.line, exc.column),
                exc.message,
                exc.hint,
                _plan_of(path),
            )
        )
        return None


def _plan_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == PLANS_DIR else None


def _load_settings(documents: dict[str, YamlDocument], findings: list[Finding]) -> Settings:
    doc = documents.get(SETTINGS_FILE)
    if doc is None or doc.data is None:
        return Settings()
    if not _is_mapping(SETTINGS_FILE, doc, findings):
        return Settings()
    errors = check_document(SETTINGS_FILE, doc, SETTINGS_SCHEMA)
    findings.extend(errors)
    # Bad settings fall back to the defaults whole: half-applied settings would mislead.
    return Settings() if errors else Settings.from_data(doc.data, lambda at: doc.position(at)[0])


def _load_waivers(documents: dict[str, YamlDocument], findings: list[Finding]
                  ) -> tuple[Waiver, ...]:  # fmt: skip
    """waivers.yaml, when there is one: every entry or, when the file is invalid, none (a
    half-read list of accepted changes would accept the wrong ones)."""
    doc = documents.get(WAIVERS_FILE)
    if doc is None or doc.data is None or not _is_mapping(WAIVERS_FILE, doc, findings):
        return ()
    errors = check_document(WAIVERS_FILE, doc, WAIVERS_SCHEMA)
    entries = doc.data.get("waivers") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        expires = entry.get("expires") if isinstance(entry, dict) else None
        if isinstance(expires, str) and DATE.match(expires) and calendar_date(expires) is None:
            line, column = doc.position(("waivers", index, "expires"))
            where = Location(WAIVERS_FILE, line, column)
            said = f"waiver expiry '{expires}' is no calendar date"
            hint = "Write the last day the waiver holds as YYYY-MM-DD."
            errors.append(Finding(WAIVER_DATE_INVALID, ERROR, where, said, hint))
    findings.extend(errors)
    return () if errors else waivers_from_data(doc.data, lambda at: doc.position(at)[0])


def _is_mapping(path: str, doc: YamlDocument, findings: list[Finding]) -> bool:
    if isinstance(doc.data, dict):
        return True
    kind = "a list" if isinstance(doc.data, list) else "a single value"
    findings.append(
        Finding(
            FILE_NOT_MAPPING,
            ERROR,
            Location(path, 1, 1),
            f"the top level of the file is {kind}, not a mapping",
            "Start the file with top-level keys such as `plan:`, `events:` or `properties:`.",
            _plan_of(path),
        )
    )
    return False


def _load_plans(
    paths: list[str], documents: dict[str, YamlDocument], findings: list[Finding]
) -> dict[str, Plan]:
    plans: dict[str, Plan] = {}
    for path in paths:
        parts = path.split("/")
        if parts[0] != PLANS_DIR:
            continue
        if len(parts) == 2:
            findings.append(
                Finding(
                    FILE_OUTSIDE_PLAN,
                    WARNING,
                    Location(path),
                    "file is not inside a plan folder",
                    f"Move it into a plan folder, e.g. {PLANS_DIR}/<plan-id>/{parts[1]}.",
                )
            )
            continue
        plan_id = parts[1]
        plan = plans.setdefault(plan_id, Plan(id=plan_id, folder=f"{PLANS_DIR}/{plan_id}"))
        plan.files.append(path)
    for plan_id, plan in sorted(plans.items()):
        _merge_plan(plan, documents, findings)
        _check_plan_identity(plan, plan_id, documents, findings)
    return plans


def _merge_plan(plan: Plan, documents: dict[str, YamlDocument], findings: list[Finding]) -> None:
    merger = _Merger(plan, documents, findings)
    # plan.yaml first, then the other files in path order: the first definition is kept.
    for path in sorted(plan.files, key=lambda p: (p != f"{plan.folder}/{PLAN_FILE}", p)):
        doc = documents.get(path)
        if doc is None or doc.data is None:
            continue
        if not _is_mapping(path, doc, findings):
            continue
        findings.extend(check_document(path, doc, PLAN_SCHEMA, plan.id))
        merger.merge(path, doc)


class _Merger:
    """Merges one plan's files, reporting a definition made in two places."""

    def __init__(self, plan: Plan, documents: dict[str, YamlDocument], findings: list[Finding]):
        self.plan = plan
        self.documents = documents
        self.findings = findings

    def loc(self, path: str, at: Path) -> Location:
        line, column = self.documents[path].position(at)
        return Location(path, line, column)

    def merge(self, path: str, doc: YamlDocument) -> None:
        data: dict[str, Any] = doc.data
        plan = self.plan
        if "plan" in data:
            self._merge_meta(path, data["plan"])
        sections: list[tuple[str, Path, dict[str, Property]]] = [
            ("property", (SHARED,), plan.shared),
            ("common property", (COMMON, "properties"), plan.common),
            ("identify trait", (IDENTIFY, "traits"), plan.identify),
            ("group trait", (GROUP, "traits"), plan.group),
        ]
        for kind, at, target in sections:
            for name, spec in _dig(data, at).items():
                if isinstance(spec, dict):
                    self._add(kind, target, Property(name, spec, path, at, doc))
        for name, spec in _dig(data, ("events",)).items():
            if isinstance(spec, dict):
                self._add("event", plan.events, Event(name, spec, path, ("events", name), doc))

    def _add(self, kind: str, target: dict[str, Any], definition: Property | Event) -> None:
        name = definition.name
        existing = target.get(name)
        if existing is not None:
            self.findings.append(
                Finding(
                    DEFINITION_DUPLICATED,
                    ERROR,
                    definition.location,
                    f"{kind} '{name}' is defined twice in plan '{self.plan.id}': "
                    f"at {existing.location} and here",
                    f"Keep one definition of '{name}'; a plan's files are merged into one.",
                    self.plan.id,
                )
            )
            return
        target[name] = definition

    def _merge_meta(self, path: str, meta: Any) -> None:
        plan = self.plan
        loc = self.loc(path, ("plan",))
        if not path.endswith(f"/{PLAN_FILE}") or path.count("/") != 2:
            self.findings.append(
                Finding(
                    PLAN_SECTION_MISPLACED,
                    ERROR,
                    loc,
                    f"`plan:` metadata belongs in {plan.folder}/{PLAN_FILE}, not here",
                    f"Move this section into {plan.folder}/{PLAN_FILE}.",
                    plan.id,
                )
            )
            return
        plan.meta = meta if isinstance(meta, dict) else {}
        plan.meta_file = path
        plan.meta_location = loc


def _dig(data: Any, at: Path) -> dict[str, Any]:
    for key in at:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _check_plan_identity(
    plan: Plan, folder_name: str, documents: dict[str, YamlDocument], findings: list[Finding]
) -> None:
    plan_file = f"{plan.folder}/{PLAN_FILE}"
    if not re.fullmatch(r"[a-z][a-z0-9-]*", folder_name):
        findings.append(
            Finding(
                PLAN_FOLDER_INVALID,
                ERROR,
                Location(plan.files[0]),
                f"plan folder '{folder_name}' is not a valid plan id",
                "Rename the folder: lowercase letters, digits and '-', starting with a letter.",
                folder_name,
            )
        )
    if plan.meta_file is None:
        broken = plan_file in plan.files and plan_file not in documents
        if not broken:  # a plan.yaml that failed to parse has its own finding already
            findings.append(
                Finding(
                    PLAN_MISSING,
                    ERROR,
                    Location(plan_file if plan_file in plan.files else plan.files[0]),
                    f"plan folder '{plan.folder}' has no `plan:` section in {PLAN_FILE}",
                    f"Create {plan_file} with `plan: {{id: {folder_name}}}`.",
                    folder_name,
                )
            )
        return
    declared = plan.meta.get("id")
    if isinstance(declared, str) and declared != folder_name:
        line, column = documents[plan_file].position(("plan", "id"))
        findings.append(
            Finding(
                PLAN_ID_MISMATCH,
                ERROR,
                Location(plan_file, line, column),
                f"plan id '{declared}' differs from its folder name '{folder_name}'",
                f"Set `id: {folder_name}` or rename the folder to '{declared}'.",
                folder_name,
            )
        )
