"""Where a plan comes from for `generate` and `check`: a pulled release (trackplan.lock),
a release tag of a registry repository, or a registry folder as it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.findings import ERROR, Finding
from registry.lint.validate import validate
from registry.load.cache import ParseCache
from registry.load.digest import sha256_hex
from registry.load.snapshot import FolderSnapshot, SnapshotError
from registry.records import record
from registry.release.artifacts import artifact_names, canonical_json, plan_document, schema_bundle

UNRELEASED = "0.0.0-unreleased"


class PlanSourceError(Exception):
    """A plan that cannot be had: no such plan, lock or version, an unreadable or altered
    artifact (exit 2)."""


@record(frozen=True)
class Artifacts:
    """A plan version's plan document and schema bundle, and where they came from."""

    document: dict[str, Any]
    bundle: dict[str, Any]
    name: str  # the schema artifact's file name, e.g. web-2.0.0.schema.json
    sha256: str  # of the schema artifact

    @property
    def plan(self) -> str:
        return str(self.document.get("plan", ""))

    @property
    def version(self) -> str:
        return str(self.document.get("version", ""))


@record(frozen=True)
class PlanRequest:
    """`--plan ID[@RANGE]`: one plan, and for a locked release the versions it accepts."""

    plan: str
    range: str | None = None

    @classmethod
    def parse(cls, text: str) -> PlanRequest:
        plan, _, spec = text.partition("@")
        if not plan:
            raise PlanSourceError(f"--plan {text!r}: expected ID or ID@RANGE (e.g. web@^2)")
        return cls(plan, spec or None)


def from_lock(lock_path: Path, plans_dir: Path, wanted: PlanRequest | None) -> list[Artifacts]:
    """The locked releases (all, or the one asked for), checked against the lock's sha256."""
    # here: a registry folder (`check --repo`, `generate --repo`) needs neither git nor npm ranges
    from registry.pull.fetch import PullError, read_lock
    from registry.pull.ranges import best_match

    if not lock_path.exists():
        raise PlanSourceError(
            f"{lock_path}: no lock file. Run `trackplan pull PLAN@RANGE --from SOURCE` first, "
            "or pass --repo PATH to generate from a registry folder"
        )
    try:
        lock = read_lock(lock_path)
    except PullError as exc:
        raise PlanSourceError(str(exc)) from None
    entries: dict[str, Any] = lock["plans"]
    names = sorted(entries) if wanted is None else [wanted.plan]
    if wanted is not None and wanted.plan not in entries:
        held = ", ".join(sorted(entries)) or "none"
        raise PlanSourceError(f"{lock_path} has no plan '{wanted.plan}' (locked: {held}); "
                           f"run `trackplan pull {wanted.plan}@RANGE --from SOURCE`")  # fmt: skip
    models = []
    for plan in names:
        entry = entries[plan]
        if not isinstance(entry, dict) or not isinstance(entry.get("artifacts", {}), dict):
            raise PlanSourceError(f"{lock_path}: the entry of plan '{plan}' is not what `trackplan "
                                  "pull` writes; run `trackplan pull` again")  # fmt: skip
        version = str(entry.get("version"))
        if wanted is not None and wanted.range and best_match(wanted.range, [version]) is None:
            raise PlanSourceError(f"{lock_path} locks {plan} {version}, which does not satisfy "
                               f"'{wanted.range}': pull a matching version first")  # fmt: skip
        names_of = artifact_names(plan, version)
        files = {}
        for kind in ("plan", "schema"):
            path = plans_dir / plan / names_of[kind]
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise PlanSourceError(
                    f"{path}: cannot read the pulled artifact ({exc.strerror}); "
                    "run `trackplan pull --frozen` to fetch it again"
                ) from None
            digest = sha256_hex(data)
            locked = (entry.get("artifacts") or {}).get(names_of[kind])
            if locked != digest:
                raise PlanSourceError(f"{path}: sha256 {digest} differs from {lock_path} "
                                   f"({locked}); run `trackplan pull --frozen` again")  # fmt: skip
            files[kind] = (data, digest)
        models.append(_model(files["plan"][0], files["schema"][0], names_of["schema"],
                             files["schema"][1], plans_dir / plan))  # fmt: skip
    return models


def _model(plan: bytes, schema: bytes, name: str, digest: str, where: Path | str) -> Artifacts:
    try:
        document, bundle = json.loads(plan), json.loads(schema)
    except ValueError as exc:
        raise PlanSourceError(f"{where}: an artifact is not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(bundle, dict):
        raise PlanSourceError(f"{where}: the artifacts are not a trackplan release")
    return Artifacts(document, bundle, name, digest)


def from_registry(repo: Path, wanted: PlanRequest | None,
                  parse: ParseCache) -> tuple[list[Artifacts], list[Finding]]:  # fmt: skip
    """The plans of a registry folder as they are (version 0.0.0-unreleased), with the
    validation errors that keep them from being generated."""
    if wanted is not None and wanted.range:
        raise PlanSourceError(f"--plan {wanted.plan}@{wanted.range}: a registry folder has no "
                           "released versions; pass --plan ID with --repo, or pull a release "
                           "and generate from trackplan.lock")  # fmt: skip
    snapshot = FolderSnapshot(repo)
    if not snapshot.is_registry():
        raise PlanSourceError(f"{repo}: not a trackplan registry (no plans/ folder and no "
                           "trackplan.yaml)")  # fmt: skip
    try:
        loaded = validate(snapshot, parse=parse)
    except SnapshotError as exc:
        raise PlanSourceError(str(exc)) from None
    plans = loaded.registry.plans
    if wanted is not None and wanted.plan not in plans:
        raise PlanSourceError(f"{repo} has no plan '{wanted.plan}' "
                           f"(plans: {', '.join(sorted(plans)) or 'none'})")  # fmt: skip
    chosen = sorted(plans) if wanted is None else [wanted.plan]
    errors = [f for f in loaded.findings if f.level == ERROR
              and any(f.location.file.startswith(f"plans/{p}/") for p in chosen)]  # fmt: skip
    if errors:
        return [], errors
    models = []
    for plan in chosen:
        schema = canonical_json(schema_bundle(plans[plan], UNRELEASED))
        document = canonical_json(plan_document(plans[plan], UNRELEASED))
        name = artifact_names(plan, UNRELEASED)["schema"]
        models.append(_model(document, schema, name, sha256_hex(schema), repo))
    return models, []


def from_release(repo: Path, plan: str, version: str) -> Artifacts:
    """Version `version` of `plan` as released by a tag of the git repository `repo`."""
    from registry.pull.fetch import GitSource, PullError

    try:
        source = GitSource(repo)
        if version not in source.versions(plan):
            released = ", ".join(source.versions(plan)) or "none"
            raise PlanSourceError(f"{repo} has no release {plan} {version} (released: {released})")
        files = source.artifacts(plan, version)
    except PullError as exc:
        raise PlanSourceError(str(exc)) from None
    names = artifact_names(plan, version)
    schema = files[names["schema"]]
    return _model(files[names["plan"]], schema, names["schema"],
                  sha256_hex(schema), f"{repo} {plan} {version}")  # fmt: skip
