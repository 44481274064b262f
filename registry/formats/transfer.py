"""Import a plan into a registry and export one out of it: checked, staged, then moved."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from registry.findings import ERROR, Finding
from registry.formats import FORMATS, IMPORTERS
from registry.formats.base import Document, FormatError, Imported, Loss, left_out
from registry.formats.plan_yaml import PlanFile, plan_files
from registry.lint.validate import validate
from registry.load.cache import ParseCache
from registry.load.snapshot import FolderSnapshot, MemorySnapshot
from registry.load.yamlsafe import YamlError
from registry.records import field, record

PLAN_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# Findings an import may leave for the user to act on: names are imported as they are and
# the naming lint says what breaks the conventions; anything else means a broken import.
NAMING_RULES = frozenset(
    {
        "event-name-case",
        "event-name-reserved",
        "property-name-case",
        "event-name-grammar",
        "event-name-dynamic",
        "property-name-dynamic",
    }
)


@record
class ImportResult:
    path: str  # the written file (or the plan folder, when split), relative to the registry
    events: int
    findings: list[Finding] = field(default_factory=list)  # of the new plan (naming lint)
    left_out: list[str] = field(default_factory=list)
    lost: list[Loss] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files of the source not imported


class LossRefused(FormatError):
    """`--strict`: the source holds definitions the plan cannot; nothing was written."""

    def __init__(self, lost: list[Loss]) -> None:
        super().__init__(f"the plan cannot hold {len(lost)} definition(s) of the source, and "
                         "--strict refuses any loss; nothing was written")  # fmt: skip
        self.lost = lost


def import_plan(
    fmt: str, source: Path, plan_id: str, repo: Path, force: bool = False,
    strict: bool = False, shape: str | None = None,
) -> ImportResult:  # fmt: skip
    """Read `source` in format `fmt` as plan `plan_id` of the registry at `repo`; writes
    plans/{plan_id}/plan.yaml only when the new registry validates (naming aside) and,
    when `strict`, the source lost nothing. `shape`: the format's variant, where it has
    several (Segment: config, public, typewriter); None detects it."""
    if fmt not in IMPORTERS:
        raise FormatError(f"unknown import format '{fmt}'; one of {', '.join(sorted(IMPORTERS))}")
    if not PLAN_ID.match(plan_id):
        raise FormatError(
            f"--plan {plan_id!r}: a plan id is lower case letters, digits and "
            "dashes, starting with a letter (e.g. web)"
        )
    if not source.exists():
        raise FormatError(f"{source}: no such file or folder")
    folder = repo / "plans" / plan_id
    if folder.exists() and not force:
        raise FormatError(f"{folder}: the plan exists already; pass --force to replace it")
    module = IMPORTERS[fmt]
    if shape is not None:
        shapes = getattr(module, "SHAPES", ())
        if shape not in shapes:
            known = f"one of {', '.join(shapes)}" if shapes else "none: it has one shape"
            raise FormatError(f"--shape {shape!r}: the {fmt} format's shapes are {known}")
        imported = module.read(source, plan_id, shape=shape)
    else:
        imported = module.read(source, plan_id)
    if strict and imported.lost:
        raise LossRefused(imported.lost)
    return _write(fmt, source, plan_id, repo, imported)


@record(frozen=True)
class _Prepared:
    """An import's plan files, made and validated, not yet written."""

    files: dict[str, bytes]
    result: ImportResult


def _prepare(fmt: str, source: Path, plan_id: str, repo: Path, imported: Imported) -> _Prepared:
    """plans/{plan_id}/ of `imported`, made and validated against the registry; a value the
    files cannot hold refuses the import before anything is written."""
    document = _with_references(imported.document)
    header = (
        f"Imported from {fmt} ({source.name}) by `trackplan import`.\n"
        "Edit freely: this file is the plan now."
    )
    try:
        made = plan_files(plan_id, document, imported.comments, header)
    except ValueError as exc:  # a value YAML and JSON cannot hold (NaN)
        raise FormatError(f"{source}: {exc}; nothing was written") from None
    findings = _validated(repo, plan_id, {f"plans/{plan_id}/{n}": f for n, f in made.items()})
    written = f"plans/{plan_id}/plan.yaml" if len(made) == 1 else f"plans/{plan_id}/"
    return _Prepared({n: f.text.encode() for n, f in made.items()},
                     ImportResult(written, len(document.get("events") or {}), findings,
                                  imported.left_out, imported.lost, imported.skipped))  # fmt: skip


def _write(fmt: str, source: Path, plan_id: str, repo: Path, imported: Imported) -> ImportResult:
    """plans/{plan_id}/ of `imported`, written only when the new registry validates."""
    prepared = _prepare(fmt, source, plan_id, repo, imported)
    write_folder(repo / "plans" / plan_id, prepared.files)
    return prepared.result


@record
class HistoryResult:
    """What `import --history` made: one commit per step of the source's history, and the
    release tags of those commits (or why a step was not released)."""

    result: ImportResult  # the last step, as the registry holds it now
    steps: list[tuple[str, str, list[str]]] = field(default_factory=list)  # label, commit, tags
    blocked: list[str] = field(default_factory=list)


def import_history(fmt: str, source: Path, plan_id: str, repo: Path,
                   force: bool = False) -> HistoryResult:  # fmt: skip
    """Every version the source's history holds, oldest first, as a commit of the git
    repository `repo` and the plan's release tag, so `trackplan log` and `diff` read it."""
    from registry.load import gitrepo
    from registry.load.snapshot import SnapshotError

    module = IMPORTERS.get(fmt)
    if module is None or not hasattr(module, "read_history"):
        raise FormatError(f"--history: the {fmt} format keeps no history to import")
    if not PLAN_ID.match(plan_id):
        raise FormatError(f"--plan {plan_id!r}: a plan id is lower case letters, digits and "
                          "dashes, starting with a letter (e.g. web)")  # fmt: skip
    try:
        top: Path | None = Path(gitrepo.git(repo, "rev-parse", "--show-toplevel").strip())
    except (SnapshotError, OSError):  # not a repository (or no git at all)
        top = None
    if top is None or top.resolve() != repo.resolve():
        raise FormatError(f"{repo}: --history commits each version: --repo must be the root "
                          "of a git repository (git init it first)")  # fmt: skip
    if (repo / "plans" / plan_id).exists() and not force:
        raise FormatError(f"{repo / 'plans' / plan_id}: the plan exists already; pass --force "
                          "to replace it")  # fmt: skip
    # Every step made before the first commit: a step that cannot be written refuses the
    # import with the repository as it was.
    steps = [(label, _prepare(fmt, source, plan_id, repo, imported))
             for label, imported in module.read_history(source, plan_id)]  # fmt: skip
    done = HistoryResult(ImportResult("", 0))
    with _undone_on_failure(repo, f"plans/{plan_id}", done):
        for label, prepared in steps:
            _history_step(fmt, source, plan_id, repo, label, prepared, done)
    return done


@contextlib.contextmanager
def _undone_on_failure(repo: Path, folder: str, done: HistoryResult) -> Iterator[None]:
    """Should a step fail half-way (git refusing a commit or a tag), the branch, the plan's
    folder and the tags go back to what they were: no history is imported by halves."""
    from registry.load import gitrepo
    from registry.load.snapshot import SnapshotError

    try:
        before: str | None = gitrepo.git(repo, "rev-parse", "--verify", "--quiet", "HEAD").strip()
    except SnapshotError:
        before = None  # a repository without commits yet
    fresh = not (repo / folder).parent.exists()  # plans/ made by this import
    try:
        yield
    except BaseException as exc:
        for _, _, tags in done.steps:
            for tag in tags:
                gitrepo.git(repo, "tag", "--delete", tag)
        if before is not None:
            gitrepo.git(repo, "reset", "--quiet", "--soft", before)
            gitrepo.git(repo, "reset", "--quiet", before, "--", folder)
            shutil.rmtree(repo / folder, ignore_errors=True)
            if _tracked(repo, before, folder):
                gitrepo.git(repo, "checkout", before, "--", folder)
        else:
            gitrepo.git(repo, "update-ref", "-d", "HEAD")
            gitrepo.git(repo, "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", folder)
            shutil.rmtree(repo / folder, ignore_errors=True)
        if fresh:
            shutil.rmtree((repo / folder).parent, ignore_errors=True)
        if isinstance(exc, SnapshotError):  # git refused a step
            raise FormatError(f"{exc}; the import was undone, the repository is as it "
                              "was") from None  # fmt: skip
        raise


def _tracked(repo: Path, revision: str, folder: str) -> bool:
    from registry.load import gitrepo

    return bool(gitrepo.git(repo, "ls-tree", "--name-only", revision, "--", folder).strip())


def _history_step(fmt: str, source: Path, plan_id: str, repo: Path, label: str,
                  prepared: _Prepared, done: HistoryResult) -> None:  # fmt: skip
    """One version of the history: written, committed and tagged as its release."""
    from registry.load import gitrepo
    from registry.load.snapshot import GitSnapshot
    from registry.release.artifacts import ReleaseInfo
    from registry.release.planner import ReleaseError, plan_releases

    write_folder(repo / "plans" / plan_id, prepared.files)
    done.result = prepared.result
    message = f"Import {fmt} {label} of {source.name} as plan {plan_id}"
    commit = gitrepo.commit_paths(repo, [f"plans/{plan_id}"], message)
    tags: list[str] = []
    done.steps.append((label, commit, tags))  # the tags as they are made (undone on failure)
    head = GitSnapshot(repo, commit)
    try:
        planned = plan_releases(head, commit, gitrepo.tags(repo),
                                lambda sha: GitSnapshot(repo, sha),
                                reachable=gitrepo.tags_merged_into(repo, commit),
                                info=ReleaseInfo(commit))  # fmt: skip
    except ReleaseError as exc:
        done.blocked.append(f"{label}: {exc}")
        planned = []
    for release in planned:
        if release.plan != plan_id:
            continue
        if release.blocked:
            first = release.blocked[0]
            done.blocked.append(f"{label}: {release.tag} not released: {first.location}: "
                                f"{first.message}")  # fmt: skip
        elif not release.exists:
            gitrepo.create_annotated_tag(repo, release.tag, commit, release.changelog)
            tags.append(release.tag)


def _with_references(document: Document) -> Document:
    """The plan-level parts events refer to: the sources they name and the lifecycle stages
    they enter (in the order first met), so the imported plan validates."""
    document = dict(document)
    events = document.get("events") or {}
    sources = dict(document.get("sources") or {})
    stages = list(document.get("lifecycle") or [])
    known = {s.get("stage") for s in stages if isinstance(s, dict)}
    for event in events.values():
        for source in event.get("sources") or []:
            sources.setdefault(source, {})
        stage = event.get("stage")
        if stage and stage not in known:
            stages.append({"stage": stage})
            known.add(stage)
    if sources:
        document["sources"] = sources
    if stages:
        document["lifecycle"] = stages
    return document


def _validated(repo: Path, plan_id: str, new: dict[str, PlanFile]) -> list[Finding]:
    files: dict[str, bytes] = {}
    if repo.exists():
        snapshot = FolderSnapshot(repo)
        if snapshot.is_registry():
            paths = [p for p in snapshot.paths() if not p.startswith(f"plans/{plan_id}/")]
            files = snapshot.read_many(paths)
    parse = ParseCache(None)
    for path, file in new.items():
        data = files[path] = file.text.encode()
        # The text is parsed again, not taken on trust: what YAML cannot carry as written (a
        # key past 1,024 characters, a lone surrogate, nesting past the loader's limit) must
        # stop the import here, not leave a plan that no command can read.
        try:
            read = parse(path, data).data
        except YamlError as exc:
            raise FormatError(
                f"{_written_at(file, exc.line)} cannot be written as YAML that "
                f"reads back ({exc.message}), so nothing was written"
            ) from None
        if not _same(read, file.data):
            raise FormatError(f"{path}: the YAML written would read back unlike the plan "
                              "imported, so nothing was written; please report it")  # fmt: skip
    report = validate(MemorySnapshot(files), parse=parse)
    mine = [f for f in report.findings if f.location.file.startswith(f"plans/{plan_id}/")]
    broken = [f for f in mine if f.level == ERROR and f.rule not in NAMING_RULES]
    if broken:
        said = "; ".join(f"{f.rule}: {f.message}" for f in broken[:5])
        more = f" (and {len(broken) - 5} more)" if len(broken) > 5 else ""
        raise FormatError(
            f"the imported plan would not validate, so nothing was written: {said}{more}"
        )
    return mine


def _written_at(file: PlanFile, line: int) -> str:
    """What the plan file holds at `line` of its text: the deepest key written there."""
    paths = [p for p, (at, _column) in file.positions.items() if at <= line]
    if not paths:
        return "the plan"
    deepest = max(paths, key=lambda p: (file.positions[p][0], len(p)))
    parts = [str(part) if len(str(part)) <= 60 else f"{str(part)[:57]}..." for part in deepest]
    if len(parts) > 10:
        parts = [*parts[:6], "...", *parts[-3:]]
    shown = ".".join(parts)
    return f"{shown!r}"


def _same(read: Any, written: Any) -> bool:
    """Whether the parse of a written file holds what was written (NaN, which JSON imports
    may bring, equals itself in the canonical JSON)."""
    if read == written:
        return True
    return json.dumps(read, sort_keys=True, default=repr) == json.dumps(
        written, sort_keys=True, default=repr)  # fmt: skip


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """`files` (relative paths) as the whole content of folder `target`: written into a
    staging folder beside it, then swapped in, so no reader sees half of them."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        made: set[Path] = set()  # each folder made once, not asked for again per file
        for name, data in sorted(files.items()):
            path = staging / name
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(data)
        if target.exists():
            old = target.with_name(f".{target.name}.replaced")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _inside(root: Path, name: str) -> Path:
    """`root / name`, refusing a name that would land outside `root`."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        raise FormatError(f"{name!r}: a file name that would be written outside {root}")
    return root / name


def write_new_files(root: Path, files: dict[str, bytes], replace: bool = False) -> None:
    """Files below `root`: all written into a staging folder first, then moved in one by
    one, so a failure leaves nothing behind (no file, no folder made for them). Other files
    in `root` are never touched; with `replace`, files of the same names are replaced."""
    targets = {name: _inside(root, name) for name in files}
    for target in targets.values():
        if target.exists() and not (replace and target.is_file() and not target.is_symlink()):
            raise FormatError(f"{target}: exists already and is not a file trackplan may "
                              "replace; choose another place")  # fmt: skip
    made: list[Path] = []  # folders created, to take back on failure
    moved: list[Path] = []
    staging: Path | None = None
    try:
        for folder in sorted({t.parent for t in targets.values()} | {root}):
            for missing in reversed([folder, *folder.parents]):
                if not missing.exists():
                    missing.mkdir()
                    made.append(missing)
        staging = Path(tempfile.mkdtemp(prefix=".trackplan-new.", dir=root))
        for name, data in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for name, target in sorted(targets.items()):
            os.replace(staging / name, target)
            moved.append(target)
    except OSError:
        if not replace:
            for path in moved:
                path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def export_files(
    fmt: str, document: Document, **options: Any
) -> tuple[dict[str, bytes], str | None]:
    """The files of `document` in format `fmt`, and the one warning of what it leaves out."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown export format '{fmt}'; one of {', '.join(sorted(FORMATS))}")
    module = FORMATS[fmt]
    files: dict[str, bytes] = module.export(document, **options)
    return files, left_out(document, module.CARRIES, fmt)


def left_behind(out: Path, files: dict[str, bytes], owned: tuple[str, ...]) -> list[str]:
    """Files in the folders of `out` an export writes whole (`owned`: OpenTP's events/)
    that this export did not write: an earlier export's event since removed or renamed,
    which an import of the folder would read again."""
    found = []
    for name in owned:
        root = out / name
        if root.is_dir():
            found += [p.relative_to(out).as_posix() for p in root.rglob("*") if p.is_file()]
    return sorted(f for f in found if f not in files)


def write_export(files: dict[str, bytes], out: Path, folder: bool) -> list[Path]:
    """Write an export: one file at `out`, or the export's files below the folder `out`
    (others there are left alone; earlier exports' files of the same names are replaced).
    Each file is written whole: staged, then moved into place."""
    if not folder:
        (data,) = files.values()
        target = out.resolve() if out.is_symlink() else out  # write what the link names
        if target.exists() and not target.is_file():
            raise FormatError(f"{out}: exists and is not a regular file; choose another --out")
        write_new_files(target.parent, {target.name: data}, replace=True)
        return [out]
    if out.exists() and not out.is_dir():
        raise FormatError(f"{out}: exists and is not a folder; --out names a folder here")
    write_new_files(out, files, replace=True)
    return [out / name for name in sorted(files)]
