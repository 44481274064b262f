"""`trackplan owners`: who owns a file, by CODEOWNERS and by the plans and events in it."""

from __future__ import annotations

from typing import Any

from registry.escape import clean
from registry.load.model import Registry
from registry.load.snapshot import PLANS_DIR


def _owners(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def ownership(registry: Registry, path: str, *, folder: bool = False) -> dict[str, Any]:
    """The owners of one registry path: its CODEOWNERS line, its plan, its events. For a
    folder, the line that owns the files in it (GitHub matches files, never folders)."""
    path = path.rstrip("/") if folder else path
    codeowners = registry.codeowners
    rule = codeowners.rule_for_directory(path) if folder else codeowners.rule_for(path)
    entry: dict[str, Any] = {
        "path": path,
        "codeowners": None
        if rule is None
        else {
            "file": registry.codeowners_path,
            "line": rule.line,
            "pattern": rule.pattern,
            "owners": list(rule.owners),
        },
        "plan": None,
        "events": [],
    }
    parts = path.split("/")
    in_plan = len(parts) > (1 if folder else 2) and parts[0] == PLANS_DIR
    plan = registry.plans.get(parts[1]) if in_plan else None
    if plan is not None:
        entry["plan"] = {"id": plan.id, "owners": _owners(plan.meta.get("owners"))}
        events = [e for e in plan.events.values() if e.file == path]
        entry["events"] = [
            {"name": e.name, "owners": _owners(e.spec.get("owners")), "line": e.location.line}
            for e in sorted(events, key=lambda e: e.location.line)
        ]
    return entry


def render_ownership(entry: dict[str, Any]) -> str:
    lines = [f"{entry['path']}"]
    rule = entry["codeowners"]
    if rule is None:
        lines.append("  CODEOWNERS: no matching line (anyone with write access may approve)")
    else:
        owners = " ".join(rule["owners"]) or "nobody (the line clears ownership)"
        lines.append(f"  CODEOWNERS: {owners}  ({rule['file']}:{rule['line']} {rule['pattern']})")
    plan = entry["plan"]
    if plan is not None:
        lines.append(f"  plan {plan['id']}: {' '.join(plan['owners']) or 'no owners'}")
        for event in entry["events"]:
            extra = " ".join(event["owners"]) or "(plan and CODEOWNERS owners only)"
            lines.append(f"  event '{event['name']}' (line {event['line']}): {extra}")
    return "\n".join(clean(line) for line in lines) + "\n"


def ownership_rows(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(file, owners, why) rows: the CODEOWNERS line, the plan, and each event."""
    rows = []
    for entry in entries:
        rule = entry["codeowners"]
        if rule is not None:
            where = f"CODEOWNERS {rule['file']}:{rule['line']} ({rule['pattern']})"
            rows.append((entry["path"], " ".join(rule["owners"]) or "nobody", where))
        if entry["plan"] is not None:
            plan = entry["plan"]
            rows.append((entry["path"], " ".join(plan["owners"]) or "nobody", f"plan {plan['id']}"))
        for event in entry["events"]:
            if event["owners"]:
                rows.append((entry["path"], " ".join(event["owners"]), f"event '{event['name']}'"))
    return rows
