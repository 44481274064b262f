"""The `trackplan` command line: argument parsing and exit codes; the work is done elsewhere."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from registry import gitrepo
from registry.about import installed_version
from registry.approvals import (
    ApprovalStatus,
    evaluate,
    owner_groups,
    stakeholder_lines,
    stakeholder_table,
)
from registry.artifacts import ReleaseInfo
from registry.cache import ParseCache, default_cache_dir
from registry.codegen import LANGUAGES, CodegenError
from registry.codegen.model import build_model
from registry.codegen.output import Difference, differences, write_all
from registry.escape import md_code
from registry.eventcheck.calls import read_calls
from registry.eventcheck.checker import Checker
from registry.eventcheck.history import renames_released
from registry.eventcheck.progress import Progress
from registry.eventcheck.report import FAIL_ON as FAIL_ON_CHECK
from registry.eventcheck.report import Report, run
from registry.eventcheck.report import render as render_report
from registry.findings import ERROR
from registry.history import Subject, history
from registry.history import render_markdown as render_history_markdown
from registry.history import render_text as render_history_text
from registry.loader import load_registry
from registry.notes import notes_from_file_text
from registry.ownership import ownership, ownership_rows, render_ownership
from registry.plan_source import (
    Artifacts,
    PlanRequest,
    PlanSourceError,
    from_lock,
    from_registry,
    from_release,
)
from registry.policy import BASE, HEAD, POLICY_RULES, SIDES
from registry.pull import PullError, PullInputError, ReleaseSource, open_source, pull
from registry.release import ReleaseError, plan_releases, pull_request_number
from registry.render import (
    clean,
    escape_data,
    escape_property,
    markdown_table,
    notice,
    plural,
    render_findings,
)
from registry.render_diff import render_github, render_json, render_text, report_dict
from registry.report import FAIL_ON, DiffReport, compare
from registry.review import (
    Links,
    render_changes_markdown,
    render_review,
    render_review_text,
    verdict,
)
from registry.rules import unparsed
from registry.semver_range import RangeError
from registry.settings import settings_of
from registry.snapshot import (
    FolderSnapshot,
    GitSnapshot,
    Snapshot,
    SnapshotError,
    open_snapshot,
)
from registry.validate import validate
from registry.versions import released_versions

if TYPE_CHECKING:  # the bot's settings load only with a `trackplan bot` command
    from bot.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Input the command cannot read at all: exit 2 with the message."""


def _common(parser: argparse.ArgumentParser, formats: Mapping[str, str]) -> None:
    """--repo, --format (each format with what it prints; the first is the default) and
    --no-cache."""
    default = next(iter(formats))
    parser.add_argument(
        "--repo",
        default=".",
        metavar="PATH",
        help="the registry: a folder with plans/ and/or trackplan.yaml (default: .)",
    )
    parser.add_argument(
        "--format",
        choices=tuple(formats),
        default=default,
        help="; ".join(f"{name}: {what}" for name, what in formats.items())
        + f" (default: {default})",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again instead of using the parse cache "
        "($TRACKPLAN_CACHE_DIR, default ~/.cache/trackplan)",
    )


def parse_cache(args: argparse.Namespace) -> ParseCache:
    """One cache per command run; on disk unless --no-cache."""
    return ParseCache(None if args.no_cache else default_cache_dir())


def cmd_validate(args: argparse.Namespace) -> int:
    snapshot = FolderSnapshot(args.repo)
    if not snapshot.is_registry():
        raise UsageError(
            f"{args.repo}: not a trackplan registry (no plans/ folder and no trackplan.yaml); "
            "pass the registry folder with --repo"
        )
    report = validate(snapshot, parse=parse_cache(args))
    yaml_files = sum(1 for p in snapshot.paths() if p.endswith((".yaml", ".yml")))
    sys.stdout.write(render_findings(report.findings, args.format, yaml_files))
    return EXIT_FINDINGS if report.errors else EXIT_OK


def _open(spec: str, repo: str) -> Snapshot:
    snapshot = open_snapshot(spec, repo)
    if not snapshot.is_registry():
        raise UsageError(f"{spec}: no trackplan registry there (no plans/ and no trackplan.yaml)")
    return snapshot


def _compare(args: argparse.Namespace, validate_head: bool) -> DiffReport:
    base = _open(args.base, args.repo)
    head = _open(args.head, args.repo)
    released: dict[str, str] = {}
    policy_side = head if args.policy == HEAD else base
    if isinstance(base, GitSnapshot):
        released = released_versions(
            base.git_root, settings_of(policy_side).release.tag, merged_into=base.commit
        )
    report = compare(base, head, released=released, parse=parse_cache(args),
                     validate_head=validate_head, policy=args.policy)  # fmt: skip
    if args.policy == HEAD or any(c.rule in POLICY_RULES for c in report.changes):
        # The sides' policies differ: say which one judged (the other takes effect on merge).
        side = {
            BASE: f"BASE ({args.base}); HEAD's takes effect after merge (preview it "
            "with --policy head)",
            HEAD: f"HEAD ({args.head}), as --policy head asks",
        }
        print(f"trackplan: note: judged by the policy of {clean(side[args.policy])}: "
              f"compatibility {report.head.policy.settings.compatibility}, fail_on "
              f"{_fail_on(args, report)}", file=sys.stderr)  # fmt: skip
    return report


def _fail_on(args: argparse.Namespace, report: DiffReport) -> str:
    return str(args.fail_on or report.fail_on)


def _blocked(report: DiffReport, args: argparse.Namespace) -> int | None:
    """Say first, on stderr, which plans are not compared and why. Returns the exit code
    this forces: 2 when a file cannot be read (does not parse), 1 when a definition does not
    validate, None when every plan was compared."""
    if not report.blocking:
        return None
    labels = {"BASE": args.base, "HEAD": args.head}
    for plan in report.unreadable:
        reasons = [(side, f) for side, f in report.blocking if f.plan == plan]
        side, first = reasons[0]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        print(
            f"trackplan: error: plan '{plan}' is not compared: {labels[side]} "
            f"{first.location}: {first.rule} {clean(first.message)}{more}; fix it, then "
            "compare again (`trackplan validate` lists every problem)",
            file=sys.stderr,
        )
    for side, finding in report.blocking:
        if finding.plan is None:
            print(f"trackplan: error: {labels[side]} {finding.location}: {finding.rule} "
                  f"{clean(finding.message)}", file=sys.stderr)  # fmt: skip
    unreadable = any(unparsed(f.rule) for _, f in report.blocking)
    return EXIT_USAGE if unreadable else EXIT_FINDINGS


def cmd_diff(args: argparse.Namespace) -> int:
    report = _compare(args, validate_head=False)
    blocked = _blocked(report, args)
    if args.format == "json":
        sys.stdout.write(render_json(report))
    elif args.format == "github":
        sys.stdout.write(render_github(report))
    elif args.format == "markdown":
        sys.stdout.write(render_changes_markdown(report, _links(args, report)))
    else:
        sys.stdout.write(render_text(report))
    if blocked is not None:
        return blocked
    return EXIT_FINDINGS if report.fails(_fail_on(args, report)) else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    report = _compare(args, validate_head=True)
    blocked = _blocked(report, args)
    notes = _read_notes(args.notes)
    stakeholders = offline_approvals(report)
    if args.format == "json":
        data = report_dict(report)
        data["findings"] = [f.to_dict() for f in report.head_findings]
        data["migration_notes"] = notes
        data["verdict"] = verdict(report, notes)
        data["stakeholders"] = [
            {"owners": list(g.group.owners), "why": g.group.why, "policy": g.policy,
             "breaking": g.group.breaking}
            for g in stakeholders.groups
        ]  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    elif args.format == "github":
        sys.stdout.write(render_github(report))
        sys.stdout.write(render_findings(report.head_findings, "github", 0))
    elif args.format == "text":
        sys.stdout.write(render_review_text(report, notes, stakeholder_lines(stakeholders)))
    else:
        table = stakeholder_table(stakeholders, offline=True)
        waiting = sorted({owner for g in stakeholders.groups for owner in g.missing})
        footer = (f"Compared {md_code(args.base)} with {md_code(args.head)} · trackplan "
                  f"{installed_version()}")  # fmt: skip
        sys.stdout.write(render_review(report, notes, _links(args, report), extra_sections=[table],
                                       waiting_for=waiting, footer=footer))  # fmt: skip
    if blocked is not None:
        return blocked
    errors = any(f.level == ERROR for f in report.head_findings)
    failing = report.fails(_fail_on(args, report)) or errors
    return EXIT_FINDINGS if failing else EXIT_OK


def offline_approvals(report: DiffReport) -> ApprovalStatus:
    """Who must approve, with no reviews yet (the policy is the base's: it cannot be edited
    away by the change under review)."""
    policy = report.head.policy.settings.review
    groups = owner_groups(report.base, report.head, report.changed_files, report.changes)
    return evaluate(
        groups, [], author="", head_sha="", breaking_policy=policy.breaking,
        default_policy=policy.default, fresh_only=False, members=lambda team: (),
    )  # fmt: skip


def cmd_owners(args: argparse.Namespace) -> int:
    snapshot = FolderSnapshot(args.repo)
    if not snapshot.is_registry():
        raise UsageError(f"{args.repo}: not a trackplan registry; pass it with --repo")
    registry = load_registry(snapshot, parse=parse_cache(args)).registry
    root = Path(args.repo).resolve()
    entries = [
        ownership(registry, _relative(path, root), folder=(root / _relative(path, root)).is_dir())
        for path in args.paths
    ]
    if args.format == "json":
        text = json.dumps({"files": entries}, indent=2, sort_keys=True, ensure_ascii=False)
        sys.stdout.write(text + "\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown_table(("File", "Owners", "Why"), ownership_rows(entries)))
    elif args.format == "github":
        for path, owners, why in ownership_rows(entries):
            sys.stdout.write(notice(f"owners: {owners} ({why})", path))
    else:
        for entry in entries:
            sys.stdout.write(render_ownership(entry))
    return EXIT_OK


def _relative(path: str, root: Path) -> str:
    """A path as given (relative to the registry) or absolute/relative to the current folder."""
    candidate = Path(path)
    if candidate.exists():
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{path}: not inside the registry {root}") from None
    return path.lstrip("/")


def cmd_release(args: argparse.Namespace) -> int:
    repo = Path(args.repo)
    head = GitSnapshot(repo, args.rev)
    if not head.is_registry():
        raise UsageError(f"{args.repo}: no trackplan registry at {args.rev}")
    notes = _read_notes(args.notes)
    info = gitrepo.commit(head.git_root, head.commit)
    try:
        planned = plan_releases(
            head, head.commit, gitrepo.tags(head.git_root),
            lambda sha: GitSnapshot(repo, sha),
            reachable=gitrepo.tags_merged_into(head.git_root, head.commit), notes=notes,
            info=ReleaseInfo(head.commit, pull_request_number(info.message)),
            parse=parse_cache(args),
        )  # fmt: skip
    except ReleaseError as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    failed = False
    results = []
    for release in planned:
        previous = release.previous or "unreleased"
        line = f"{release.plan}: {previous} -> {release.version} ({release.bump}) {release.tag}"
        if release.blocked:
            failed = True
            status = f"not released: {plural(len(release.blocked), 'validation error')}"
            for finding in release.blocked:
                print(
                    f"{finding.location}: error {finding.rule} {finding.message}", file=sys.stderr
                )
        elif release.exists:
            status = "already released"
        elif args.dry_run:
            status = "would be tagged (dry run)"
        else:
            gitrepo.create_annotated_tag(head.git_root, release.tag, head.commit, release.changelog)
            status = "tagged"
        results.append(
            {"plan": release.plan, "version": release.version, "tag": release.tag,
             "previous": release.previous, "bump": release.bump, "status": status}
        )  # fmt: skip
        if args.format == "text":
            print(f"{line}: {status}")
    if args.format == "json":
        sys.stdout.write(json.dumps({"releases": results}, indent=2, sort_keys=True) + "\n")
    elif not planned and args.format != "github":
        print("nothing to release: every plan is unchanged since its last release")
    elif args.format == "markdown":
        keys = ("plan", "previous", "version", "bump", "tag", "status")
        rows = [[str(r[k] or "unreleased") for k in keys] for r in results]
        header = ("Plan", "Released", "Next", "Bump", "Tag", "Status")
        sys.stdout.write(markdown_table(header, rows))
    elif args.format == "github":
        for r in results:
            sys.stdout.write(notice(f"{r['plan']} {r['version']} ({r['tag']}): {r['status']}"))
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_pull(args: argparse.Namespace) -> int:
    plan, _, spec = args.spec.partition("@")
    if not plan:
        raise UsageError(f"{args.spec}: give PLAN@RANGE, e.g. web@^1 or web@latest")
    try:
        source = _release_source(args.source)
        result = pull(source, plan, spec or "latest", Path(args.out), Path(args.lock),
                      frozen=args.frozen)  # fmt: skip
    except (PullInputError, RangeError) as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE  # input it cannot read
    except PullError as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    if args.format == "json":
        data = {"plan": result.plan, "version": result.version, "files": result.files,
                "folder": str(result.written)}  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    else:
        line = (f"{result.plan} {result.version} -> {result.written} "
                f"({len(result.files)} files), locked in {args.lock}")  # fmt: skip
        if args.format == "github":
            sys.stdout.write(notice(line, args.lock))
        elif args.format == "markdown":
            rows = [(name, digest) for name, digest in sorted(result.files.items())]
            sys.stdout.write(f"**{line}**\n\n" + markdown_table(("File", "sha256"), rows))
        else:
            print(line)
    return EXIT_OK


def _check_subject_existed(subject: Subject, seen: dict[str, set[str]]) -> None:
    """A subject no commit ever defined is a typo: say so and name the closest ones."""
    if subject.event is None:
        return
    if subject.event not in seen:
        close = difflib.get_close_matches(subject.event, sorted(seen), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UsageError(f"no commit of plan '{subject.plan}' ever defined event "
                         f"'{clean(subject.event)}'{hint}")  # fmt: skip
    if subject.prop is not None and subject.prop not in seen[subject.event]:
        props = seen[subject.event]
        close = difflib.get_close_matches(subject.prop, sorted(props), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UsageError(f"no commit of plan '{subject.plan}' ever gave event "
                         f"'{subject.event}' a property '{clean(subject.prop)}'{hint}")  # fmt: skip


SHOWN_ERRORS = 20  # validation errors `generate` lists before it refuses


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        generated = _generate(args)
        if generated is None:
            return EXIT_FINDINGS  # the plan does not validate (listed)
        files, made = generated
        if args.check:
            return _report_check(args, made, differences(Path(args.out), files))
        write_all(Path(args.out), files)
    except (CodegenError, PlanSourceError) as exc:
        raise UsageError(str(exc)) from None
    rows = [(str(m["file"]), str(m["plan"]), str(m["version"]), str(m["events"]),
             str(m["sha256"])) for m in made]  # fmt: skip
    if args.format == "json":
        sys.stdout.write(json.dumps({"files": made}, indent=2, sort_keys=True) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown_table(("File", "Plan", "Version", "Events", "From sha256"),
                                        rows))  # fmt: skip
    else:
        for file, plan, version, events, _ in rows:
            line = f"wrote {file}: plan {plan} {version}, {plural(int(events), 'event')}"
            sys.stdout.write(notice(line, file) if args.format == "github" else line + "\n")
    return EXIT_OK


def _generate(args: argparse.Namespace) -> tuple[dict[str, str], list[dict[str, Any]]] | None:
    """The files `generate` would write, and what each came from; None (after listing them)
    when the plans of --repo have validation errors."""
    wanted = PlanRequest.parse(args.plan) if args.plan else None
    if args.repo is not None:
        found, errors = from_registry(Path(args.repo), wanted, parse_cache(args))
        if errors:
            shown = render_findings(errors[:SHOWN_ERRORS], "text", 0).rsplit("\n", 2)[0]
            sys.stdout.write(shown + "\n")
            if len(errors) > SHOWN_ERRORS:
                print(f"...and {len(errors) - SHOWN_ERRORS} more (trackplan validate)")
            print(f"trackplan: error: {plural(len(errors), 'validation error')}: fix the "
                  "plan before generating code from it", file=sys.stderr)  # fmt: skip
            return None
    else:
        found = from_lock(Path(args.lock), Path(args.plans), wanted)
    if not found:
        raise CodegenError("no plans to generate code for")
    models = [build_model(a.document, a.bundle, a.name, a.sha256) for a in found]
    files: dict[str, str] = {}
    made: list[dict[str, Any]] = []
    for model in models:
        generated = LANGUAGES[args.lang](model, installed_version())
        files.update(generated)
        made += [{"file": str(Path(args.out) / name), "plan": model.id, "version": model.version,
                  "source": model.source, "sha256": model.sha256, "events": len(model.events)}
                 for name in generated]  # fmt: skip
        for collision in model.collisions:
            print(f"trackplan: warning: plan '{model.id}': {collision.message()}",
                  file=sys.stderr)  # fmt: skip
    return files, made


def _report_check(args: argparse.Namespace, made: list[dict[str, Any]],
                  found: list[Difference]) -> int:  # fmt: skip
    if args.format == "json":
        differing = [{"file": str(d.path), "summary": d.summary, "diff": list(d.diff)}
                     for d in found]  # fmt: skip
        sys.stdout.write(json.dumps({"files": made, "differences": differing}, indent=2,
                                    sort_keys=True) + "\n")  # fmt: skip
    elif args.format == "github":
        for d in found:
            said = escape_data(f"{d.summary}: run trackplan generate")
            sys.stdout.write(f"::error file={escape_property(str(d.path))}::{said}\n")
    else:
        lines = [clean(line) for d in found for line in d.lines()]
        sys.stdout.write("".join(line + "\n" for line in lines)
                         or f"{plural(len(made), 'file')} up to date\n")  # fmt: skip
    return EXIT_FINDINGS if found else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    try:
        found = _check_plan(args)
    except PlanSourceError as exc:
        raise UsageError(str(exc)) from None
    artifacts, renamed_in = found
    checker = Checker(artifacts.document, artifacts.bundle, renamed_in)
    several = len(args.events) > 1
    report = Report(checker.plan, checker.version, artifacts.name)
    progress = Progress("checked", "call")
    for name in args.events:
        try:
            handle: IO[bytes] = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"{name}: cannot read the calls ({exc.strerror})") from None
        with handle:
            calls = read_calls(handle)
            if several:
                calls = ((f"{name}:{line}", value) for line, value in calls)  # type: ignore[misc]
            for current in run(checker, calls, artifacts.name, report):
                progress.tick(current.calls + current.malformed)
    progress.done()
    sys.stdout.write(render_report(report, args.format))
    return EXIT_FINDINGS if report.fails(args.fail_on) else EXIT_OK


def _check_plan(args: argparse.Namespace) -> tuple[Artifacts, dict[str, str]]:
    """The plan version the calls are checked against, and when each rename was released."""
    wanted = PlanRequest.parse(args.plan) if args.plan else None
    if args.lock is not None:
        found = from_lock(Path(args.lock), Path(args.plans), wanted)
        return _one(found, "the lock"), {}
    repo = Path(args.repo)
    if wanted is not None and wanted.range:
        return from_release(repo, wanted.plan, wanted.range), renames_released(repo, wanted)
    plans, errors = from_registry(repo, wanted, parse_cache(args))
    if errors:
        raise PlanSourceError(f"{plural(len(errors), 'validation error')} in the plan: run "
                              "`trackplan validate` and fix them, or check against a release "
                              "(--plan ID@VERSION)")  # fmt: skip
    return _one(plans, str(repo)), {}


def _one(found: list[Artifacts], where: str) -> Artifacts:
    if len(found) != 1:
        names = ", ".join(a.plan for a in found) or "none"
        raise PlanSourceError(f"{where} holds several plans ({names}): pick one with --plan ID")
    return found[0]


def cmd_import(args: argparse.Namespace) -> int:
    from registry.formats.base import FormatError
    from registry.formats.transfer import import_plan

    try:
        result = import_plan(args.format_name, Path(args.source), args.plan, Path(args.repo),
                             force=args.force)  # fmt: skip
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    for said in result.left_out:
        print(f"trackplan: warning: {args.source}: left out {said}", file=sys.stderr)
    wrote = f"wrote {result.path}: plan {args.plan}, {plural(result.events, 'event')}"
    if args.format == "json":
        sys.stdout.write(json.dumps({"file": result.path, "plan": args.plan,
                                     "events": result.events, "left_out": result.left_out,
                                     "findings": [f.to_dict() for f in result.findings]},
                                    indent=2, sort_keys=True) + "\n")  # fmt: skip
    else:
        print(wrote)
        if result.findings:  # names imported as they are: the lint says what to rename
            sys.stdout.write(render_findings(result.findings, "text", 1))
    return EXIT_FINDINGS if any(f.level == ERROR for f in result.findings) else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from registry.formats import FORMATS
    from registry.formats.base import FormatError
    from registry.formats.transfer import export_files, write_export

    folder = bool(FORMATS[args.format_name].FOLDER)
    if folder and args.out is None:
        raise UsageError(f"{args.format_name} exports a folder of files: pass --out DIR")
    try:
        wanted = PlanRequest.parse(args.plan)
        if wanted.range:
            document = from_release(Path(args.repo), wanted.plan, wanted.range).document
        else:
            found, errors = from_registry(Path(args.repo), wanted, parse_cache(args))
            if errors:
                raise UsageError(f"{plural(len(errors), 'validation error')} in plan "
                                 f"'{wanted.plan}': run `trackplan validate` and fix them, or "
                                 "export a release (--plan ID@VERSION)")  # fmt: skip
            document = found[0].document
        options = {"vendor": args.vendor} if args.format_name == "iglu" and args.vendor else {}
        files, dropped = export_files(args.format_name, document, **options)
    except (PlanSourceError, FormatError) as exc:
        raise UsageError(str(exc)) from None
    if dropped:
        print(f"trackplan: warning: {dropped}", file=sys.stderr)
    if args.out is None:
        (data,) = files.values()
        sys.stdout.buffer.write(data)
        return EXIT_OK
    try:
        written = write_export(files, Path(args.out), folder)
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(
            f"{args.out}: cannot write ({exc.strerror}); nothing was written"
        ) from None
    print(f"wrote {plural(len(written), 'file')} for plan {wanted.plan} to {args.out}",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from registry.formats.base import FormatError
    from registry.formats.transfer import write_new_files
    from registry.starters import TEMPLATES, starter_files

    root = Path(args.path)
    if root.is_dir() and FolderSnapshot(root).is_registry():
        raise UsageError(f"{root}: a trackplan registry is there already (plans/ or "
                         "trackplan.yaml); init makes a new one")  # fmt: skip
    files = starter_files(args.template)
    taken = sorted(name for name in files if (root / name).exists())
    if taken:
        raise UsageError(f"{root}: {', '.join(taken)} exist already; nothing was written")
    try:
        write_new_files(root, files)
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{root}: cannot write ({exc.strerror}); nothing was written") from None
    report = validate(FolderSnapshot(root))
    print(f"created a registry in {root} from template {args.template} "
          f"({TEMPLATES[args.template]}): {plural(len(files), 'file')}, "
          f"{plural(len(report.registry.plans), 'plan')}")  # fmt: skip
    for name in sorted(files):
        print(f"  {name}")
    print("next: replace @your-org with your teams (CODEOWNERS and owners:), then "
          f"`trackplan validate --repo {root}`")  # fmt: skip
    return EXIT_FINDINGS if report.errors else EXIT_OK


def cmd_catalog(args: argparse.Namespace) -> int:
    from registry.catalog.build import build_catalog
    from registry.catalog.render import MARKER
    from registry.formats.transfer import write_folder
    from registry.pull import GitSource, PullError

    repo, out = Path(args.repo), Path(args.out)
    snapshot = FolderSnapshot(repo)
    if not snapshot.is_registry():
        raise UsageError(f"{repo}: not a trackplan registry (no plans/ folder and no "
                         "trackplan.yaml); pass the registry folder with --repo")  # fmt: skip
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UsageError(f"{out}: not empty and not an earlier catalog; pass a new folder "
                         "(the catalog replaces --out whole)")  # fmt: skip
    try:
        source: GitSource | None = GitSource(repo)
    except PullError:
        source = None  # a folder that is no git repository: plans without releases
    catalog = build_catalog(snapshot, source, installed_version(), parse_cache(args))
    if catalog.errors:
        raise UsageError(f"{plural(len(catalog.errors), 'validation error')} in the plans: run "
                         "`trackplan validate` and fix them first")  # fmt: skip
    try:
        write_folder(out, catalog.files)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write ({exc.strerror}); nothing was written") from None
    events = sum(len(p.events) for p in catalog.pages)
    print(f"wrote the catalog to {out}: {plural(len(catalog.pages), 'plan')}, "
          f"{plural(events, 'event')}, {plural(len(catalog.files) - 1, 'page')}; open "
          f"{out / 'index.html'}")  # fmt: skip
    return EXIT_OK


def cmd_app_manifest(args: argparse.Namespace) -> int:
    from bot.manifest import app_manifest, manifest_page  # the bot's own list of what it needs

    if not args.webhook_url.startswith(("https://", "http://")):
        raise UsageError(f"--webhook-url {args.webhook_url!r}: the URL GitHub posts events "
                         "to, e.g. https://trackplan.example.com/webhook")  # fmt: skip
    manifest = app_manifest(args.webhook_url, args.name, redirect_url=args.redirect_url)
    if args.html is None:
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        sys.stdout.write(f"```json\n{text}```\n" if args.format == "markdown" else text)
        return EXIT_OK
    page = manifest_page(manifest, args.org)
    Path(args.html).write_text(page, encoding="utf-8")
    print(f"wrote {args.html}: open it in a browser signed in to GitHub and press the button",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def cmd_action(args: argparse.Namespace) -> int:
    import os

    from bot.action import ActionError, run  # the Action runs the bot: imported only here

    try:
        return run(os.environ)
    except ActionError as exc:
        raise UsageError(str(exc)) from None


def cmd_log(args: argparse.Namespace) -> int:
    subject = Subject.parse(args.subject)
    snapshot = GitSnapshot(args.repo, "HEAD")
    if subject.plan not in {p.split("/")[1] for p in snapshot.paths() if p.count("/") >= 2}:
        raise UsageError(f"plan '{subject.plan}' is not in the registry at HEAD")
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if total < 20:
            return  # short walks need no progress
        if interactive:
            print(f"\rreading history: {done}/{total} commits", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)
        elif done == 1 or done == total or done % 100 == 0:
            print(f"reading history: {done}/{total} commits", file=sys.stderr)

    seen: dict[str, set[str]] = {}
    entries = history(Path(args.repo), subject, progress, seen)
    _check_subject_existed(subject, seen)
    if args.format == "json":
        data = {"subject": args.subject, "entries": [e.to_dict() for e in entries]}
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_history_markdown(entries))
    elif args.format == "github":
        for entry in entries:
            changes = "; ".join(c.message for c in entry.changes)
            sys.stdout.write(notice(f"{entry.commit[:12]} {entry.title}: {changes}"))
    else:
        sys.stdout.write(render_history_text(entries))
    return EXIT_OK


def _queue_settings(args: argparse.Namespace, base: Config | None = None) -> Config:
    """`base` (default: settings without GitHub, enough to migrate) with the queue's place
    from --database-url / --data-dir, else from the environment."""
    import dataclasses
    import os

    from bot.config import Config, database_url_from

    env = dict(os.environ)
    if args.database_url is not None:
        env["TRACKPLAN_DATABASE_URL"] = args.database_url
    problems: list[str] = []
    url = database_url_from(env, problems)
    if problems:
        raise UsageError(problems[0])
    data = Path(args.data_dir or env.get("TRACKPLAN_DATA_DIR") or "trackplan-data")
    base = base or Config(app_id=0, private_key="", webhook_secret="")
    return dataclasses.replace(base, data_dir=data, database_url=url)


def cmd_bot_migrate(args: argparse.Namespace) -> int:
    from bot.backend import BackendError, migrate

    try:
        done = migrate(_queue_settings(args))
    except BackendError as exc:
        raise UsageError(str(exc)) from None
    if done.before >= done.after:
        print(f"{done.where}: schema {done.before}, up to date")
    else:
        print(f"{done.where}: schema {done.before} -> {done.after}")
    return EXIT_OK


def cmd_bot_worker(args: argparse.Namespace) -> int:
    from bot.backend import BackendError, migrate
    from bot.config import Config, ConfigError
    from bot.service import run_worker

    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    config = _queue_settings(args, config)
    try:
        migrate(config)  # idempotent: a worker may start before anything else
    except BackendError as exc:
        raise UsageError(str(exc)) from None
    from bot.app import configure_logging

    configure_logging()
    run_worker(config, graceful_seconds=args.graceful_seconds)  # logs where it works
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    # The one command that runs the Flask app: imported here so the rest of the CLI (and the
    # registry core) never loads Flask or PyGithub.
    import os

    from bot.app import create_app, create_read_app
    from bot.config import Config, ConfigError
    from bot.devserver import serve, server

    bot_configured = bool(os.environ.get("TRACKPLAN_GITHUB_APP_ID"))
    if args.registry and not Path(args.registry).is_dir():
        raise UsageError(f"{args.registry}: no such folder")
    if not bot_configured and not args.registry:
        raise UsageError("set the TRACKPLAN_* environment for the bot, or give --registry PATH")
    servers = []
    try:
        if bot_configured:
            servers.append(
                ("bot (POST /webhook)", server(args.host, args.port, create_app(Config.from_env())))
            )
        if args.registry:
            # The read API never shares the webhook's address: --read-port, or the port +1.
            port = args.read_port if args.read_port is not None else (
                args.port + 1 if bot_configured else args.port)  # fmt: skip
            read_app = create_read_app(Path(args.registry))
            servers.append(
                (
                    "read API (/v1/plans) and catalog (/)",
                    server(args.read_host or args.host, port, read_app),
                )
            )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot listen: {exc.strerror or exc}") from None
    try:
        serve(servers)
    except KeyboardInterrupt:
        pass
    finally:
        from bot.worker import stop_all

        stop_all(timeout=10)  # finish the delivery in hand, or give it back to the queue
    return EXIT_OK


def _release_source(spec: str) -> ReleaseSource:
    """A git repository (path or URL), or a read API (http(s) URL not ending in .git)."""
    if spec.startswith(("http://", "https://")) and not spec.rstrip("/").endswith(".git"):
        from bot.readclient import HttpSource  # network I/O lives in bot/, not the core

        return HttpSource(spec)
    return open_source(spec, default_cache_dir())


def _read_notes(path: str | None) -> str | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the notes file ({exc})") from None
    return notes_from_file_text(text)


def _links(args: argparse.Namespace, report: DiffReport) -> Links:
    # The policy's settings: the change under review does not choose where its rules link.
    rules = report.head.policy.settings.review.rules_url
    return Links(head=args.link or "", base=args.base_link or "", rules=rules)


def _diff_arguments(parser: argparse.ArgumentParser, formats: Mapping[str, str]) -> None:
    parser.add_argument("base", metavar="BASE", help="the old side: a folder or a git revision")
    parser.add_argument("head", metavar="HEAD", help="the new side: a folder or a git revision")
    _common(parser, formats)
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 on breaking changes, on warnings too, or never "
        "(default: fail_on of the policy's trackplan.yaml, else breaking)",
    )
    parser.add_argument(
        "--policy",
        choices=SIDES,
        default=BASE,
        help="whose settings and plan conventions judge the change (default: base, as the bot "
        "does: a change never loosens the rules that judge it; a policy change is reported "
        "and takes effect after merge). 'head' previews the change under its own policy",
    )
    parser.add_argument(
        "--link",
        metavar="URL",
        help="link locations to HEAD's files: URL + path + #Lline "
        "(e.g. https://github.com/acme/plans/blob/<sha>/)",
    )
    parser.add_argument("--base-link", metavar="URL", help="the same for BASE's files (removals)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackplan",
        description="A git-native registry for analytics tracking plans. "
        "Exit status: 0 ok, 1 findings at or above the fail level, "
        "2 usage error or input that cannot be read.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    validate_parser = sub.add_parser(
        "validate",
        help="check plan files: format, cross-references and naming conventions",
        description="Check every plan of the registry: YAML syntax and safety, the plan format "
        "(schemas/plan.schema.json), cross-references ($ref, sources, objectives, "
        "lifecycle stages, KPI events) and the naming conventions of trackplan.yaml. "
        "Exits 0 when there is no error (warnings allowed), 1 when there is any "
        "error, 2 when the registry cannot be read.",
    )
    _common(validate_parser, {
        "text": "a line per finding with its hint, then the counts",
        "json": "the findings and the counts", "markdown": "a table of the findings",
        "github": "workflow annotations on the lines"})  # fmt: skip
    validate_parser.set_defaults(handler=cmd_validate)

    diff_parser = sub.add_parser(
        "diff",
        help="semantic diff of two versions: what changed and whom it breaks",
        description="Compare two versions of the registry, BASE and HEAD (each a folder or a "
        "git revision of --repo), matching plans, events, properties and traits by name. Each "
        "change says whom it breaks (producers: app versions in the field; consumers: "
        "dashboards and destinations), its level under trackplan.yaml's compatibility "
        "setting, and how to migrate. Also prints each plan's next version (from release tags "
        "when BASE is a git revision). Exits 1 when a change reaches --fail-on.",
    )
    _diff_arguments(diff_parser, {
        "text": "a line per change with whom it breaks and the migration, then the versions",
        "json": "the changes and each plan's versions", "markdown": "the change list alone",
        "github": "workflow annotations (a removal: where HEAD still has its parent)"})  # fmt: skip
    diff_parser.set_defaults(handler=cmd_diff)

    review_parser = sub.add_parser(
        "review",
        help="the bot's pull request comment, offline: validation + diff + next versions",
        description="Print exactly the Markdown the bot posts on a pull request from BASE to "
        "HEAD, in the order a reviewer acts on it: the verdict; what blocks the merge and the "
        "next step for each; HEAD's validation problems; the stakeholders, one row per owner; "
        "each plan's current and next version; the breaking changes by plan, each with the "
        "sources that send the event, the KPIs and lifecycle stages that count it and how to "
        "migrate; warnings; the other changes; the migration notes. Rule ids link to "
        "review.rules_url of BASE's trackplan.yaml. Exits 1 when HEAD fails validation or a "
        "change reaches --fail-on.",
    )
    _diff_arguments(review_parser, {
        "markdown": "the bot's comment", "text": "the same review as plain lines",
        "json": "changes, versions, findings, notes, verdict and stakeholders",
        "github": "workflow annotations for the changes and the findings"})  # fmt: skip
    review_parser.add_argument(
        "--notes",
        metavar="FILE",
        help="the pull request description (its `Migration notes` section is used) or the "
        "notes themselves",
    )
    review_parser.set_defaults(handler=cmd_review)

    owners_parser = sub.add_parser(
        "owners",
        help="who owns these files (CODEOWNERS) and the plans and events in them",
        description="For each PATH (relative to the registry, or a file inside it): the owners "
        "of its CODEOWNERS line (last match wins, as on GitHub), and for a plan file the "
        "plan's owners and each event's owners. The bot requires these owners' approval.",
    )
    owners_parser.add_argument("paths", nargs="+", metavar="PATH")
    _common(owners_parser, {"text": "the owners of each path and why", "json": "the same",
                            "markdown": "a table", "github": "a notice per path"})  # fmt: skip
    owners_parser.set_defaults(handler=cmd_owners)

    release_parser = sub.add_parser(
        "release",
        help="tag every plan changed since its last release (--dry-run shows)",
        description="For each plan whose content changed since its last release tag, compute "
        "the bump from the semantic diff and create the annotated tag {plan}/v{version} "
        "(release.tag in trackplan.yaml) at --rev, with the changelog as its message. Plans "
        "that fail validation are not released (exit 1); an existing tag is never moved or "
        "reused; running it twice creates nothing the second time.",
    )
    _common(release_parser, {"text": "a line per plan", "json": "the releases",
                             "markdown": "a table", "github": "a notice per release"})  # fmt: skip
    release_parser.add_argument(
        "--rev", default="HEAD", help="the commit to release (default: HEAD)"
    )
    release_parser.add_argument("--dry-run", action="store_true", help="show, create nothing")
    release_parser.add_argument(
        "--notes", metavar="FILE", help="migration notes for the changelog (or a PR description)"
    )
    release_parser.set_defaults(handler=cmd_release)

    pull_parser = sub.add_parser(
        "pull",
        help="fetch a released plan version and record it in trackplan.lock",
        description="Resolve PLAN@RANGE (^1.2, ~1.2, '>=1.0 <2', 1.2.3 or latest) against the "
        "release tags of SOURCE (a local git repository, a git URL, or a read-API URL such "
        "as http://host:8000 served by `trackplan serve --registry`), write the version's "
        "artifacts (plan JSON, JSON Schema, changelog, SHA256SUMS) to --out/PLAN and record "
        "version and checksums in the lock file. Nothing is written when anything fails. "
        "With --frozen the locked version is fetched and any checksum mismatch fails.",
    )
    pull_parser.add_argument("spec", metavar="PLAN@RANGE")
    pull_parser.add_argument(
        "--from", dest="source", required=True, metavar="SOURCE",
        help="a local git repository, a git URL or a read-API URL",
    )  # fmt: skip
    pull_parser.add_argument("--out", default="trackplan-plans", metavar="DIR",
                             help="where artifacts go (default: trackplan-plans)")  # fmt: skip
    pull_parser.add_argument("--lock", default="trackplan.lock", metavar="FILE",
                             help="the lock file (default: trackplan.lock)")  # fmt: skip
    pull_parser.add_argument("--frozen", action="store_true",
                             help="use the locked version; fail on any mismatch")  # fmt: skip
    pull_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text"
    )
    pull_parser.set_defaults(handler=cmd_pull)

    log_parser = sub.add_parser(
        "log",
        help="audit history of a plan, event or property from git",
        description="Every commit (first-parent history of HEAD) that changed PLAN, "
        "PLAN/EVENT or PLAN/EVENT/PROPERTY, newest first: date, author, pull request number "
        "(from merge and squash commit messages), release tags, and the semantic changes. "
        "Renames (renamed_from) are followed back to the old names.",
    )
    log_parser.add_argument("subject", metavar="PLAN[/EVENT[/PROPERTY]]")
    _common(log_parser, {"text": "each commit with its changes", "json": "the entries",
                         "markdown": "a list of the commits",
                         "github": "a notice per commit"})  # fmt: skip
    log_parser.set_defaults(handler=cmd_log)

    generate_parser = sub.add_parser(
        "generate",
        help="typed tracking code (TypeScript, Python) from a pulled release or a registry",
        description="Write one module per plan: a typed function per event (required and "
        "optional properties, enums as literal types, nested objects and arrays), identify "
        "and group traits, doc comments, deprecations; calls go to a sink you adapt to your "
        "analytics SDK, and are checked against the plan at run time without ever raising. "
        "By default from the releases locked in trackplan.lock (after `trackplan pull`), "
        "checked against the lock's sha256; with --repo from a registry folder as it is. "
        "Output is byte-for-byte deterministic; files are written all at once. With --check "
        "nothing is written: exit 1 and a short diff when the files on disk differ (for CI).",
    )
    generate_parser.add_argument("--lang", required=True, choices=sorted(LANGUAGES),
                                 help="the language to generate")  # fmt: skip
    generate_parser.add_argument(
        "--plan", metavar="ID[@RANGE]",
        help="one plan (default: every plan of the lock, or of --repo); @RANGE (e.g. web@^2) "
        "must be satisfied by the locked version",
    )  # fmt: skip
    generate_parser.add_argument(
        "--repo", metavar="PATH", default=None,
        help="generate from this registry folder instead of the lock (version "
        "0.0.0-unreleased; plans with validation errors are refused)",
    )  # fmt: skip
    generate_parser.add_argument("--lock", default="trackplan.lock", metavar="FILE",
                                 help="the lock file (default: trackplan.lock)")  # fmt: skip
    generate_parser.add_argument(
        "--plans", default="trackplan-plans", metavar="DIR",
        help="where `trackplan pull` put the artifacts (its --out; default: trackplan-plans)",
    )  # fmt: skip
    generate_parser.add_argument("--out", required=True, metavar="DIR",
                                 help="the folder for the generated modules")  # fmt: skip
    generate_parser.add_argument("--check", action="store_true",
                                 help="write nothing; exit 1 if the files differ")  # fmt: skip
    generate_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text",
        help="text: a line per file written (with --check: a short diff per file that "
        "differs); json: the files with plan, version and source checksum; markdown: a table; "
        "github: a notice per file (with --check: an error per file that differs) "
        "(default: text)",
    )  # fmt: skip
    generate_parser.add_argument("--no-cache", action="store_true",
                                 help="parse every file again (with --repo)")  # fmt: skip
    generate_parser.set_defaults(handler=cmd_generate)

    check_parser = sub.add_parser(
        "check",
        help="check real calls (JSON lines) against a plan: violations by kind",
        description="Read analytics calls — JSON lines, a JSON array, gzip of either, or - "
        "for stdin; Segment/RudderStack shapes (type track/identify/group/page/screen, event, "
        "properties, traits) or {event, properties} alone — and report, per kind, event and "
        "property, how many calls violate the plan and the first lines where they do. "
        "Kinds: unplanned-event, renamed-event, deprecated-event (warning), "
        "required-property-missing, datatype-mismatch, enum-value-not-allowed, "
        "additional-property-not-allowed, unplanned-property (warning, open events), "
        "format-mismatch, value-out-of-range, unknown-trait. Malformed lines are counted and "
        "listed, never stop the run. The plan: --plan ID@VERSION, a release tag of --repo; "
        "--plan ID, the registry folder as it is; --lock, the version locked by `trackplan "
        "pull`.",
    )
    check_parser.add_argument("events", nargs="+", metavar="EVENTS",
                              help="files of calls, or - for standard input")  # fmt: skip
    check_parser.add_argument("--plan", metavar="ID[@VERSION]",
                              help="the plan (needed when there are several)")  # fmt: skip
    check_parser.add_argument("--repo", default=".", metavar="PATH",
                              help="the registry folder or repository (default: .)")  # fmt: skip
    check_parser.add_argument(
        "--lock", nargs="?", const="trackplan.lock", default=None, metavar="FILE",
        help="check against the version locked in FILE (default trackplan.lock)",
    )  # fmt: skip
    check_parser.add_argument("--plans", default="trackplan-plans", metavar="DIR",
                              help="where `trackplan pull` put the artifacts")  # fmt: skip
    check_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text",
        help="text: a table by kind, event and property; json: the report; markdown: a "
        "table; github: an annotation per row (default: text)",
    )  # fmt: skip
    check_parser.add_argument(
        "--fail-on", choices=FAIL_ON_CHECK, default="violation",
        help="exit 1 on violations, on warnings too, or never (default: violation)",
    )  # fmt: skip
    check_parser.add_argument("--no-cache", action="store_true",
                              help="parse every plan file again (a registry folder)")  # fmt: skip
    check_parser.set_defaults(handler=cmd_check)

    from registry.formats import FORMATS, IMPORTERS

    formats_help = "; ".join(f"{name}: {m.SUMMARY}" for name, m in FORMATS.items())
    import_parser = sub.add_parser(
        "import",
        help="bring a plan in from Segment, RudderStack, Snowplow Iglu or a spreadsheet",
        description="Read a tracking plan in another tool's format and write it as "
        "plans/ID/plan.yaml of the registry. The result must validate or nothing is written "
        "(exit 2, naming the file and line or row of the input); names that break the "
        "registry's conventions are imported as they are and listed by the naming lint "
        "(exit 1), never renamed. What the format has that a plan cannot hold is named in "
        f"one warning. Formats: {formats_help}.",
    )
    import_parser.add_argument("format_name", metavar="FORMAT", choices=sorted(IMPORTERS),
                               help=f"one of {', '.join(sorted(IMPORTERS))}")  # fmt: skip
    import_parser.add_argument(
        "source", metavar="SOURCE", help="the file (segment, csv) or folder (rudderstack, iglu)"
    )
    import_parser.add_argument("--plan", required=True, metavar="ID",
                               help="the id of the new plan (its folder under plans/)")  # fmt: skip
    import_parser.add_argument("--repo", default=".", metavar="PATH",
                               help="the registry to import into (default: .)")  # fmt: skip
    import_parser.add_argument("--force", action="store_true",
                               help="replace plans/ID if it exists")  # fmt: skip
    import_parser.add_argument("--format", choices=("text", "json", "markdown", "github"),
                               default="text",
                               help="text: the file written and the naming findings; json: "
                               "the same as data (default: text)")  # fmt: skip
    import_parser.set_defaults(handler=cmd_import)

    export_parser = sub.add_parser(
        "export",
        help="write a plan in Segment, RudderStack, Iglu, CSV or Mixpanel Lexicon format",
        description="Write a plan of the registry (--plan ID: as it is; --plan ID@VERSION: "
        "a release tag) in another tool's format, to standard output or --out. Whatever the "
        "format cannot carry (lifecycle stages into Segment, owners into Iglu, ...) is named "
        "in one warning on stderr, never dropped silently. Files are staged, then moved into "
        f"place. Formats: {formats_help}.",
    )
    export_parser.add_argument("format_name", metavar="FORMAT", choices=sorted(FORMATS),
                               help=f"one of {', '.join(sorted(FORMATS))}")  # fmt: skip
    export_parser.add_argument("--plan", required=True, metavar="ID[@VERSION]",
                               help="the plan, and a released version of it")  # fmt: skip
    export_parser.add_argument("--repo", default=".", metavar="PATH",
                               help="the registry folder or repository (default: .)")  # fmt: skip
    export_parser.add_argument("--out", metavar="FILE|DIR",
                               help="where to write (a folder for rudderstack and iglu); "
                               "default: standard output")  # fmt: skip
    export_parser.add_argument(
        "--vendor", metavar="VENDOR", help="iglu: the schemas' vendor (default io.trackplan.ID)"
    )
    export_parser.add_argument("--no-cache", action="store_true",
                               help="parse every plan file again")  # fmt: skip
    export_parser.set_defaults(handler=cmd_export)

    action_parser = sub.add_parser(
        "action",
        help="the GitHub Action's entry point (run by action.yml in a workflow)",
        description="Review the pull request or release the push a GitHub Actions workflow "
        "runs on, as the bot does, with GITHUB_TOKEN: the environment GitHub Actions sets "
        "(GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, "
        "GITHUB_TOKEN) and the action's inputs (INPUT_FAIL-ON breaking|warning|never, "
        "INPUT_COMMENT, INPUT_RELEASE true|false). Exits 1 when the change fails by fail-on.",
    )
    action_parser.add_argument("--format", choices=("text", "json", "markdown", "github"),
                               default="github",
                               help="the log lines are workflow commands (github)")  # fmt: skip
    action_parser.set_defaults(handler=cmd_action)

    manifest_parser = sub.add_parser(
        "app-manifest",
        help="the GitHub App manifest: the permissions and events the bot needs",
        description="Print the manifest of the trackplan GitHub App (permissions: contents, "
        "pull requests and checks write, members and metadata read; events: pull request, "
        "pull request review, push), or with --html write a page whose one button creates "
        "the App through GitHub's manifest flow; then generate a private key and set the "
        "TRACKPLAN_GITHUB_* environment.",
    )
    manifest_parser.add_argument(
        "--webhook-url", required=True, metavar="URL",
        help="where GitHub posts events: https://HOST/webhook",
    )  # fmt: skip
    manifest_parser.add_argument("--name", default="trackplan", help="the App's name")
    manifest_parser.add_argument(
        "--redirect-url", metavar="URL", help="where GitHub sends you after creating the App"
    )
    manifest_parser.add_argument(
        "--html", metavar="FILE", help="write the page that starts the manifest flow"
    )
    manifest_parser.add_argument(
        "--org", metavar="ORG", help="create the App for this organisation (with --html)"
    )
    manifest_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="json",
        help="json, text and github: the manifest JSON; markdown: in a json code block",
    )  # fmt: skip
    manifest_parser.set_defaults(handler=cmd_app_manifest)

    catalog_parser = sub.add_parser(
        "catalog",
        help="write a static HTML catalog of the plans for the people who own them",
        description="Write a static catalog of the registry's plans into --out: an index of "
        "every plan (owners, sources, latest version, events), a page per plan (objectives "
        "and the KPIs and events they count, the lifecycle drawn as a funnel, traits, common "
        "properties, every event with search and filters, each release's changelog) and a "
        "page per event (properties, deprecation, former names, the KPIs and stages that use "
        "it, its history by version). Pages work from file:// and any static host: no "
        "network, no CDN. Releases come from the repository's tags when --repo is a git "
        "repository. --out is replaced whole, so it must be new, empty or an earlier catalog.",
    )
    catalog_parser.add_argument("--repo", default=".", metavar="PATH",
                                help="the registry folder or repository (default: .)")  # fmt: skip
    catalog_parser.add_argument("--out", required=True, metavar="DIR",
                                help="the folder to write the site into")  # fmt: skip
    catalog_parser.add_argument("--no-cache", action="store_true",
                                help="parse every plan file again")  # fmt: skip
    catalog_parser.set_defaults(handler=cmd_catalog)

    from registry.starters import TEMPLATES

    init_parser = sub.add_parser(
        "init",
        help="start a new registry from a template (trackplan.yaml, CODEOWNERS, CI, a plan)",
        description="Write a new registry into PATH: trackplan.yaml with the conventions and "
        "review policy, .github/CODEOWNERS, a GitHub Actions workflow that validates and "
        "reviews every pull request, and a starter plan with its objectives, KPIs and "
        "lifecycle stages. It refuses a folder that holds a registry or any of these files. "
        "Templates: " + "; ".join(f"{n}: {d}" for n, d in TEMPLATES.items()) + ".",
    )
    init_parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                             help="the folder (created if missing; default: .)")  # fmt: skip
    init_parser.add_argument("--template", choices=list(TEMPLATES), default="blank",
                             help="the starter plan (default: blank)")  # fmt: skip
    init_parser.set_defaults(handler=cmd_init)

    serve_parser = sub.add_parser(
        "serve",
        help="run the bot and the read API on the Flask development server",
        description="Run the GitHub bot (settings from the TRACKPLAN_* environment: "
        "TRACKPLAN_GITHUB_APP_ID, TRACKPLAN_GITHUB_PRIVATE_KEY or _PATH, "
        "TRACKPLAN_WEBHOOK_SECRET, TRACKPLAN_GITHUB_API_URL, TRACKPLAN_DATA_DIR) and, with "
        "--registry, the read API of that git repository's releases under /v1/plans and its "
        "catalog at / on an address of their own (each plan's latest release; "
        "TRACKPLAN_CATALOG_HEAD=1 shows the branch; TRACKPLAN_READ_TOKEN asks for a bearer "
        "token; TRACKPLAN_READ_CACHE=public lets shared caches keep answers). For production "
        "run gunicorn -c bot/gunicorn.conf.py 'bot.app:create_app()' and, on another bind, "
        "gunicorn 'bot.app:create_read_app()'.",
    )
    serve_parser.add_argument(
        "--registry", metavar="PATH", help="a git repository whose release tags the API serves"
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="where the bot listens")
    serve_parser.add_argument("--port", type=int, default=8000,
                              help="the bot's port (default: 8000)")  # fmt: skip
    serve_parser.add_argument(
        "--read-host", metavar="HOST",
        help="where the read API and catalog listen (default: --host); set "
        "TRACKPLAN_READ_TOKEN to ask readers for a bearer token")  # fmt: skip
    serve_parser.add_argument(
        "--read-port", type=int, metavar="PORT",
        help="their port (default: --port + 1 beside the bot, else --port): never the "
        "webhook's")  # fmt: skip
    serve_parser.set_defaults(handler=cmd_serve)

    bot_parser = sub.add_parser(
        "bot", help="the bot's queue and worker processes: migrate, worker",
        description="The bot's own state. Its queue is SQLite in the data folder (one host), "
        "or PostgreSQL when TRACKPLAN_DATABASE_URL (or --database-url) names one: then any "
        "number of web and worker processes on any number of hosts share it.",
    )  # fmt: skip
    bot_sub = bot_parser.add_subparsers(dest="bot_command", metavar="COMMAND", required=True)
    where_help = {
        "--data-dir": "the bot's data folder (default: $TRACKPLAN_DATA_DIR, else trackplan-data)",
        "--database-url": "a postgresql:// URL for the queue (default: $TRACKPLAN_DATABASE_URL; "
        "unset: SQLite in the data folder); prefer the variable for a URL with a password, "
        "which others on the host can read from a command line",
    }
    migrate_parser = bot_sub.add_parser(
        "migrate",
        help="create or upgrade the delivery queue's schema",
        description="Create the delivery queue (SQLite in the data folder, or the tables in "
        "PostgreSQL), or upgrade an older one, before the bot's processes start. gunicorn "
        "does this itself in its master process and `trackplan bot worker` at its start; "
        "run it as a deploy step when processes start some other way. Safe to run again "
        "and from several hosts at once: an up-to-date schema is left as it is.",
    )
    worker_parser = bot_sub.add_parser(
        "worker",
        help="a process that only works off the queue (reviews, releases, notices)",
        description="Work off the delivery queue until SIGTERM or SIGINT, then finish the "
        "delivery in hand or give it back. Run any number on any host against one "
        "PostgreSQL queue (TRACKPLAN_DATABASE_URL), beside web processes started with "
        "TRACKPLAN_EMBEDDED_WORKER=0. Needs the bot's GitHub settings (TRACKPLAN_GITHUB_*).",
    )
    worker_parser.add_argument(
        "--graceful-seconds", type=float, default=20.0, metavar="S",
        help="on SIGTERM, how long the delivery in hand may take before it is given back "
        "(default: 20)",
    )  # fmt: skip
    worker_parser.set_defaults(handler=cmd_bot_worker)
    for sub_parser in (migrate_parser, worker_parser):
        for flag, text in where_help.items():
            sub_parser.add_argument(flag, help=text)
    migrate_parser.set_defaults(handler=cmd_bot_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trackplan` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (UsageError, SnapshotError) as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trackplan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `trackplan validate | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
