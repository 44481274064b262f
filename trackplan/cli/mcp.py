"""`trackplan mcp`: the plans served to coding assistants (Model Context Protocol, stdio)."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from registry.agent import answers
from registry.agent.answers import AgentError
from registry.agent.bounded import bounded, encode
from registry.agent.knowledge import DATA_NOTE, Knowledge, from_documents, from_registry
from registry.agent.search import SearchIndex
from registry.load.cache import ParseCache, default_cache_dir
from trackplan.cli.common import EXIT_OK, UsageError, require_extra, write_atomically

INSTRUCTIONS = (
    "trackplan serves the analytics tracking plans of this project: which events exist, "
    "their properties and types, who owns them and how to send them. Before adding or "
    "changing a tracking call, search_events for an event that fits and get_event for how "
    "to send it; check a payload with validate_call; weigh a new event's name with "
    "suggest_name (it points at existing events to reuse). Never invent event names. " + DATA_NOTE
)


class Plans:
    """The knowledge the tools answer from: read once, read again when the plan files change
    (a reload costs a listing of the files when nothing changed)."""

    def __init__(self, repo: Path | None, lock: Path | None, plans_dir: Path,
                 cache: ParseCache) -> None:  # fmt: skip
        self.repo, self.lock, self.plans_dir, self.cache = repo, lock, plans_dir, cache
        self._lock = threading.Lock()
        self._state: tuple[Any, ...] | None = None
        self._knowledge: Knowledge | None = None
        self._index: SearchIndex | None = None

    def _files_state(self) -> tuple[Any, ...]:
        """Size and time of each file the plans are read from (the registry's own files, or
        the lock and the pulled artifacts): a listing, no file read."""
        if self.lock is not None:
            found = [self.lock, *sorted(self.plans_dir.rglob("*.json"))]
        else:
            assert self.repo is not None
            own = [
                self.repo / name
                for name in (
                    "trackplan.yaml",
                    "waivers.yaml",
                    "CODEOWNERS",
                    ".github/CODEOWNERS",
                    "docs/CODEOWNERS",
                )
            ]
            found = [*own, *sorted((self.repo / "plans").rglob("*.y*ml"))]  # fmt: skip
        state = []
        for path in found:
            try:
                stat = path.stat()
            except OSError:
                continue
            state.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino))
        return tuple(state)

    def current(self) -> tuple[Knowledge, SearchIndex]:
        with self._lock:
            state = self._files_state()
            if self._knowledge is None or self._index is None or state != self._state:
                self._knowledge = self._load()
                self._index = SearchIndex.build(self._knowledge)
                self._state = state
            return self._knowledge, self._index

    def _load(self) -> Knowledge:
        from registry.pull.sources import PlanSourceError, from_lock

        if self.lock is not None:
            try:
                found = from_lock(self.lock, self.plans_dir, None)
            except PlanSourceError as exc:
                raise AgentError(str(exc)) from None
            return from_documents([(a.document, a.bundle) for a in found], f"lock {self.lock}")
        from registry.lint.validate import validate
        from registry.load.snapshot import FolderSnapshot

        assert self.repo is not None
        report = validate(FolderSnapshot(self.repo), parse=self.cache)
        return from_registry(report.registry, report.findings)


def _answer(data: dict[str, Any]) -> str:
    return encode(bounded(data)).decode()


def build_server(plans: Plans, allow_write: bool) -> Any:
    """The MCP server: its tools and resources, each answering from `plans`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from mcp.server.mcpserver.resources import ResourceSecurity

    # Plan ids and event names are looked up in the plans, never used as paths: a name may
    # hold '..' or start with '/'.
    names = ResourceSecurity(exempt_params={"plan", "event"})

    from registry.about import installed_version

    server = MCPServer(name="trackplan", title="trackplan: the tracking plans",
                       instructions=INSTRUCTIONS, version=installed_version())  # fmt: skip

    def run(work: Any) -> str:
        try:
            return _answer(work(*plans.current()))
        except AgentError as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description="Find planned events for what you want to track, best first. "
                 "Searches event names, former names, KPIs, property names, descriptions, "
                 "owners and stages. " + DATA_NOTE)  # fmt: skip
    def search_events(query: str, limit: int = 10) -> str:
        return run(lambda k, index: {"note": DATA_NOTE, "query": query,
                                     "results": index.search(query, limit)})  # fmt: skip

    @server.tool(description="How to send one event: its properties (JSON Schema), the required "
                 "ones (the plan's common ones too), personal data, deprecation and replacement, "
                 "former names, an example payload and the generated function to call in each "
                 "language (or `language`: typescript, python, go, java, kotlin, swift). "
                 + DATA_NOTE)  # fmt: skip
    def get_event(event: str, plan: str | None = None, language: str | None = None) -> str:
        return run(lambda k, _: answers.get_event(k, event, plan, language))

    @server.tool(description="Check one track call (event name and properties) against the "
                 "plan: the same violations `trackplan check` reports (unplanned or renamed "
                 "event, missing required property, wrong type, value not allowed...). "
                 + DATA_NOTE)  # fmt: skip
    def validate_call(event: str, properties: dict[str, Any], plan: str | None = None) -> str:
        return run(lambda k, _: answers.validate_call(k, event, properties, plan))

    @server.tool(description="Weigh a name for a new event: the naming conventions it breaks, "
                 "the name they want, and the existing events close to it, to reuse rather "
                 "than add a near-duplicate. " + DATA_NOTE)  # fmt: skip
    def suggest_name(name: str, plan: str | None = None) -> str:
        return run(lambda k, _: answers.suggest_name(k, name, plan))

    @server.tool(description="What the working tree changes in the plans against `base` (a git "
                 "ref or release tag such as shop/v1.2.0; default HEAD): each change with its "
                 "level, what it breaks and how to migrate, the version bumps, and the verdict "
                 "a review would give. " + DATA_NOTE)  # fmt: skip
    def diff(base: str | None = None) -> str:
        return run(lambda k, _: _diff(plans, base or "HEAD"))

    @server.tool(description="Propose a new or changed event: writes `definition` (description, "
                 "owners, properties...) as event `name` of `plan` into the working tree's YAML, "
                 "validates it and returns the diff. It never commits, pushes or opens a pull "
                 "request: a person reviews the change. Refused unless the server was started "
                 "with --allow-write; refused, and nothing written, when the definition does "
                 "not validate. " + DATA_NOTE)  # fmt: skip
    def propose_event(plan: str, name: str, definition: dict[str, Any]) -> str:
        if not allow_write:
            raise ToolError(
                "this server is read-only: start it with `trackplan mcp "
                "--allow-write` to let it write proposals into the working tree"
            )
        if plans.repo is None:
            raise ToolError("proposals are written into a registry folder: start the server "
                            "with --repo, not --lock")  # fmt: skip
        repo = plans.repo
        return run(lambda k, _: _propose(repo, plan, name, definition, plans.cache))

    @server.resource(
        "trackplan://plans",
        mime_type="application/json",
        description="Every plan, its version and its events' resource URIs.",
    )
    def plan_list() -> str:
        knowledge = _knowledge(plans, ResourceError)
        return _answer({"note": DATA_NOTE, "source": knowledge.source,
                        "plans_left_out": knowledge.left_out,
                        "plans": [{"plan": p.id, "version": p.version,
                                   "uri": f"trackplan://plans/{_quote(p.id)}",
                                   "events": [f"trackplan://plans/{_quote(p.id)}/events/"
                                              f"{_quote(e)}" for e in sorted(p.events)]}
                                  for _, p in sorted(knowledge.plans.items())]})  # fmt: skip

    @server.resource(
        "trackplan://plans/{plan}",
        mime_type="application/json",
        description="A plan as its release document has it (JSON).",
        security=names,
    )
    def plan_document(plan: str) -> str:
        found = _knowledge(plans, ResourceError).plans.get(plan)
        if found is None:
            raise ResourceError(f"no plan {plan!r}")
        answer = bounded({"note": DATA_NOTE, **found.document})
        if answer.get("truncated"):
            answer["more"] = (f"the plan is larger than one answer: read each event at "
                              f"trackplan://plans/{_quote(plan)}/events/{{event}}")  # fmt: skip
        return json.dumps(answer, indent=1, ensure_ascii=False)

    @server.resource(
        "trackplan://plans/{plan}/events/{event}",
        mime_type="application/json",
        description="One event, as get_event answers (event name URL-encoded).",
        security=names,
    )
    def event_document(plan: str, event: str) -> str:
        knowledge = _knowledge(plans, ResourceError)
        try:
            return _answer(answers.get_event(knowledge, event, plan, None))  # the SDK decoded them
        except AgentError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource(
        "trackplan://conventions",
        mime_type="application/json",
        description="The naming conventions each plan is held to.",
    )
    def conventions() -> str:
        knowledge = _knowledge(plans, ResourceError)
        return _answer({"assumed_defaults": not knowledge.conventions_known,
                        "plans": {p.id: vars(p.conventions)
                                  for _, p in sorted(knowledge.plans.items())}})  # fmt: skip

    @server.resource(
        "trackplan://rules",
        mime_type="text/markdown",
        description="The lint and diff rules: what each reports and why.",
    )
    def rules() -> str:
        from registry.docs import render

        return render()

    return server


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _knowledge(plans: Plans, error: type[Exception]) -> Knowledge:
    try:
        return plans.current()[0]
    except AgentError as exc:
        raise error(str(exc)) from None


def _diff(plans: Plans, base: str) -> dict[str, Any]:
    from registry.diff.compare import compare
    from registry.diff.render import report_dict
    from registry.load.snapshot import FolderSnapshot, GitSnapshot, SnapshotError
    from registry.review.verdict import judge

    if plans.repo is None:
        raise AgentError("diff compares a registry folder with a ref: start the server with --repo")
    if base.startswith("-") or not base.strip():
        raise AgentError(f"base {base!r} is no git ref")
    try:
        # A revision of the server's repository only: a folder of that name anywhere on
        # the disk (which the CLI's `diff` would take) is none of the agent's business.
        report = compare(GitSnapshot(plans.repo, base), FolderSnapshot(plans.repo),
                         parse=plans.cache)  # fmt: skip
    except SnapshotError as exc:
        raise AgentError(f"cannot read {base!r}: {exc}") from None
    found = report_dict(report)
    verdict = judge(report, None)
    return {"note": DATA_NOTE, "base": base, "head": "the working tree",
            "verdict": verdict.headline().replace("**", ""), "plans": found["plans"],
            "summary": found["summary"],
            "changes": [{k: c[k] for k in ("rule", "level", "plan", "message", "migration")}
                        for c in found["changes"]]}  # fmt: skip


_proposing = threading.Lock()  # one proposal at a time: each one starts from the last


def _propose(repo: Path, plan: str, name: str, definition: Any,
             cache: ParseCache) -> dict[str, Any]:  # fmt: skip
    from registry.agent.propose import propose
    from registry.load.snapshot import FolderSnapshot

    with _proposing:
        snapshot = FolderSnapshot(repo)
        files = snapshot.read_many(snapshot.paths())
        proposal = propose(files, plan, name, definition, parse=cache)
        if not proposal.accepted:
            return proposal.answer(written=False)
        target = repo / proposal.path
        try:
            now = target.read_bytes()
        except OSError as exc:
            raise AgentError(f"{proposal.path}: cannot read it again ({exc.strerror})") from None
        if now != files[proposal.path]:  # edited meanwhile (an editor saved it): theirs wins
            raise AgentError(f"{proposal.path} changed while the proposal was judged: nothing "
                             "was written; propose again")  # fmt: skip
        write_atomically(target, proposal.text.encode())
        return proposal.answer(written=True)


def run(args: argparse.Namespace) -> int:
    require_extra("mcp", "trackplan mcp")
    lock = Path(args.lock) if args.lock is not None else None
    repo = None if lock is not None else Path(args.repo)
    if lock is not None and not lock.is_file():
        raise UsageError(f"{lock}: no such lock file (run `trackplan pull` first)")
    if (
        repo is not None
        and not (repo / "plans").is_dir()
        and not (repo / "trackplan.yaml").is_file()
    ):
        raise UsageError(f"{repo}: no trackplan registry there (no plans/ and no "
                         "trackplan.yaml); give --repo PATH or --lock FILE")  # fmt: skip
    # One process: a threaded server never forks (the parse cache's workers stay at one).
    cache = ParseCache(None if args.no_cache else default_cache_dir())
    plans = Plans(repo, lock, Path(args.plans), cache)
    # Read the plans while the client connects: the first question finds them ready.
    threading.Thread(target=_warm, args=(plans,), daemon=True).start()
    build_server(plans, args.allow_write).run("stdio")
    return EXIT_OK


def _warm(plans: Plans) -> None:
    with contextlib.suppress(Exception):  # the tool that asks next says what is wrong
        plans.current()


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "mcp",
        help="serve the plans to coding assistants (Model Context Protocol over stdio)",
        description="Serve the registry's plans (--repo, the folder as it is) or the versions "
        "a lock pins (--lock) to coding assistants over the Model Context Protocol, on stdin "
        "and stdout. Tools: search_events, get_event, validate_call, diff, suggest_name, and "
        "propose_event, which writes into the working tree only with --allow-write (never a "
        "commit, a push or a pull request). Resources: trackplan://plans, each plan and event "
        "as JSON, trackplan://conventions, trackplan://rules. Plan text is handed over as "
        "data, never as instructions. Configure the assistant to run `trackplan mcp --repo "
        "PATH` (see the README).",
    )
    parser.add_argument("--repo", default=".", metavar="PATH",
                        help="the registry folder (default: .)")  # fmt: skip
    parser.add_argument(
        "--lock", nargs="?", const="trackplan.lock", default=None, metavar="FILE",
        help="serve the versions locked in FILE (default trackplan.lock) instead of a folder",
    )  # fmt: skip
    parser.add_argument("--plans", default="trackplan-plans", metavar="DIR",
                        help="where `trackplan pull` put the artifacts (with --lock)")  # fmt: skip
    parser.add_argument("--allow-write", action="store_true",
                        help="let propose_event write into the working tree's YAML")  # fmt: skip
    parser.add_argument("--no-cache", action="store_true",
                        help="parse every plan file again")  # fmt: skip
    parser.set_defaults(handler=run)
