"""The lint rule catalog: every validation rule's id, level, summary, check and examples."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from registry.findings import ERROR, WARNING, Finding
from registry.lint import checks
from registry.load import file_schemas, loader, yamlsafe
from registry.load.model import Registry
from registry.load.pii import MEANING
from registry.progress import checkpoint
from registry.records import field, record

Check = Callable[[Registry], Iterable[checks.Hit]]

# Example files are laid over this minimal registry (see `example_files`).
DEPENDS_ON_UNREADABLE = "depends-on-unreadable-file"
EXAMPLE_BASE = {"plans/web/plan.yaml": "plan:\n  id: web\n"}
PLAN = "plans/web/plan.yaml"


@record(frozen=True)
class Rule:
    """One lint rule. `check` is None for rules the loader raises while reading files.

    `invalid` must produce the rule at `expect` (file, line); `valid` must not produce it.
    Both are laid over EXAMPLE_BASE, so they double as documentation and as tests.
    """

    id: str
    level: str
    summary: str
    invalid: Mapping[str, str]
    expect: tuple[str, int]
    valid: Mapping[str, str]
    check: Check | None = None
    doc: str = ""
    tags: tuple[str, ...] = field(default=())
    # A plan with this finding does not mean what it says: `diff` and `review` leave it out
    # (comparing `type: strng` would report nonsense) and say so.
    blocks_diff: bool = False

    def run(self, registry: Registry) -> Iterator[Finding]:
        if self.check is None:
            return
        checkpoint()
        for hit in self.check(registry):
            checkpoint()  # a hit can cost (suggestions): long checks stop here when asked
            yield Finding(self.id, self.level, hit.location, hit.message, hit.hint, hit.plan)


def example_files(example: Mapping[str, str]) -> dict[str, str]:
    return {**EXAMPLE_BASE, **example}


class _Built(Mapping[str, str]):
    """One example file built when read: every command imports this catalog, and building
    the 4 MiB one cost more than the rest of the import."""

    def __init__(self, path: str, build: Callable[[], str]) -> None:
        self._path, self._build = path, build

    def __getitem__(self, path: str) -> str:
        if path != self._path:
            raise KeyError(path)
        return self._build()

    def __iter__(self) -> Iterator[str]:
        return iter((self._path,))

    def __len__(self) -> int:
        return 1


def _plan(body: str) -> dict[str, str]:
    return {PLAN: "plan:\n  id: web\n" + body}


WAIVER_EXPIRED = "waiver-expired"
WAIVER_RULE_UNKNOWN = "waiver-rule-unknown"


def _waiver(expires: str, rule: str = "property-removed") -> str:
    return (f"waivers:\n  - rule: {rule}\n    subject: web/Order Completed/coupon\n"
            f"    reason: The coupon service is gone\n    expires: {expires}\n"
            "    accepted_by: '#42'\n")  # fmt: skip


RULES: tuple[Rule, ...] = (
    # --- reading files ------------------------------------------------------------------
    Rule(
        yamlsafe.YAML_SYNTAX,
        ERROR,
        "The file is not valid YAML.",
        _plan("events:\n  Order Completed: {properties: [\n"),
        (PLAN, 4),
        _plan("events:\n  Order Completed: {properties: {}}\n"),
        doc="Unclosed brackets, bad indentation, tabs, several documents in one file.",
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_DUPLICATE_KEY,
        ERROR,
        "A mapping has the same key twice.",
        _plan("events:\n  Order Completed: {}\n  Order Completed: {}\n"),
        (PLAN, 5),
        _plan("events:\n  Order Completed: {}\n  Order Refunded: {}\n"),
        doc="YAML parsers keep the last of two equal keys and silently drop the first.",
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_FORBIDDEN_TAG,
        ERROR,
        "A YAML tag that builds objects or is unknown.",
        _plan("events:\n  Order Completed: !!python/object:os.system {}\n"),
        (PLAN, 4),
        _plan("events:\n  Order Completed: {}\n"),
        doc="Plan files hold plain data; tags such as !!python/object are refused, never run.",
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_ALIAS_LIMIT,
        ERROR,
        "Aliases expand to too many nodes (a YAML bomb).",
        _plan(
            "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            + "".join(
                f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, c in zip("abcde", "bcdef", strict=True)
            )
        ),
        (PLAN, 7),
        _plan("x: &a {type: string}\ny: *a\n"),
        doc="Anchors and aliases are allowed, but their expansion is bounded.",
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_TOO_DEEP,
        ERROR,
        "The file nests deeper than any plan needs.",
        _plan("x: " + "[" * 70 + "]" * 70 + "\n"),
        (PLAN, 3),
        _plan("x: [[1]]\n"),
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_FILE_TOO_LARGE,
        ERROR,
        "The file is over the size limit (4 MiB).",
        _Built("plans/web/events/huge.yaml", lambda: "# " + "x" * (4 * 1024 * 1024) + "\n"),
        ("plans/web/events/huge.yaml", 1),
        {"plans/web/events/small.yaml": "# small\n"},
        doc="Split a large plan into several files below its folder.",
        blocks_diff=True,
    ),
    Rule(
        yamlsafe.YAML_NUMBER_TOO_LARGE,
        ERROR,
        "A number is longer than any plan needs (100 characters).",
        _plan("x: {type: integer, maximum: " + "9" * 5000 + "}\n"),
        (PLAN, 3),
        _plan("x: {type: integer, maximum: 9999}\n"),
        doc="Huge literals are refused before they are converted: no validator holds them.",
        blocks_diff=True,
    ),
    Rule(
        loader.FILE_NOT_MAPPING,
        ERROR,
        "The top level of a plan file is not a mapping.",
        {"plans/web/events/list.yaml": "- Order Completed\n"},
        ("plans/web/events/list.yaml", 1),
        {"plans/web/events/list.yaml": "events:\n  Order Completed: {}\n"},
        blocks_diff=True,
    ),
    Rule(
        loader.FILE_OUTSIDE_PLAN,
        WARNING,
        "A YAML file under plans/ is not inside a plan folder.",
        {"plans/orders.yaml": "events: {}\n"},
        ("plans/orders.yaml", 1),
        {"plans/web/orders.yaml": "events: {}\n"},
    ),
    # --- format (JSON Schema) ---------------------------------------------------------------
    Rule(
        file_schemas.SCHEMA_UNKNOWN_FIELD,
        ERROR,
        "A field the plan format does not know.",
        _plan("events:\n  Order Completed:\n    desciption: typo\n"),
        (PLAN, 5),
        _plan("events:\n  Order Completed:\n    description: fine\n"),
        doc="The hint names the closest allowed field.",
        blocks_diff=True,
    ),
    Rule(
        file_schemas.PROPERTY_TYPE_UNKNOWN,
        ERROR,
        "A property's type is not a JSON type.",
        _plan("events:\n  Order Completed:\n    properties:\n      total: {type: money}\n"),
        (PLAN, 6),
        _plan("events:\n  Order Completed:\n    properties:\n      total: {type: number}\n"),
        doc="Types: string, number, integer, boolean, object, array, null (or a list of them).",
        blocks_diff=True,
    ),
    Rule(
        file_schemas.SCHEMA_INVALID_VALUE,
        ERROR,
        "A field has a value of the wrong kind.",
        _plan("events:\n  Order Completed:\n    properties:\n      total: {required: yes}\n"),
        (PLAN, 6),
        _plan("events:\n  Order Completed:\n    properties:\n      total: {required: true}\n"),
        doc="Wrong types, values outside an enum, patterns not matched, missing fields.",
        blocks_diff=True,
    ),
    # --- plan structure ---------------------------------------------------------------------
    Rule(
        loader.PLAN_MISSING,
        ERROR,
        "A plan folder has no plan.yaml with a `plan:` section.",
        {PLAN: "events: {}\n"},
        (PLAN, 1),
        {PLAN: "plan: {id: web}\n"},
        blocks_diff=True,
    ),
    Rule(
        loader.PLAN_ID_MISMATCH,
        ERROR,
        "plan.id differs from the plan's folder name.",
        {PLAN: "plan:\n  id: webapp\n"},
        (PLAN, 2),
        {PLAN: "plan:\n  id: web\n"},
        blocks_diff=True,
    ),
    Rule(
        loader.PLAN_FOLDER_INVALID,
        ERROR,
        "A plan folder name is not a valid plan id.",
        {"plans/Web_App/plan.yaml": "plan:\n  id: Web_App\n"},
        ("plans/Web_App/plan.yaml", 1),
        {"plans/web-app/plan.yaml": "plan:\n  id: web-app\n"},
    ),
    Rule(
        loader.PLAN_SECTION_MISPLACED,
        ERROR,
        "`plan:` metadata outside the plan's plan.yaml.",
        {"plans/web/events/more.yaml": "plan:\n  id: web\n"},
        ("plans/web/events/more.yaml", 1),
        {"plans/web/events/more.yaml": "events: {}\n"},
        blocks_diff=True,
    ),
    Rule(
        loader.DEFINITION_DUPLICATED,
        ERROR,
        "An event, property or trait is defined in two files of a plan.",
        {
            "plans/web/a.yaml": "events:\n  Order Completed: {}\n",
            "plans/web/b.yaml": "events:\n  Order Completed: {}\n",
        },
        ("plans/web/b.yaml", 2),
        {
            "plans/web/a.yaml": "events:\n  Order Completed: {}\n",
            "plans/web/b.yaml": "events:\n  Order Refunded: {}\n",
        },
        doc="The files of a plan are merged; the finding names both places.",
        blocks_diff=True,
    ),
    # --- cross-references -------------------------------------------------------------------
    Rule(
        "ref-unknown",
        ERROR,
        "`$ref` names no entry of the plan's `properties:`.",
        _plan(
            "properties:\n  order_id: {type: string}\nevents:\n  Order Completed:\n"
            "    properties:\n      id: {$ref: orderid}\n"
        ),
        (PLAN, 8),
        _plan(
            "properties:\n  order_id: {type: string}\nevents:\n  Order Completed:\n"
            "    properties:\n      id: {$ref: order_id}\n"
        ),
        check=checks.unknown_refs,
        blocks_diff=True,
    ),
    Rule(
        DEPENDS_ON_UNREADABLE,
        WARNING,
        "References into a file that does not parse are not checked (one finding, not many).",
        {
            PLAN: "plan:\n  id: web\nevents:\n  Order Completed:\n    properties:\n"
            "      id: {$ref: order_id}\n",
            "plans/web/shared.yaml": "properties:\n  order_id: {type: string\n",
        },
        (PLAN, 6),
        {
            PLAN: "plan:\n  id: web\nevents:\n  Order Completed:\n    properties:\n"
            "      id: {$ref: order_id}\n",
            "plans/web/shared.yaml": "properties:\n  order_id: {type: string}\n",
        },
        doc="A file that does not parse takes its definitions with it: the references to "
        "them would all look unknown. Those errors are folded into this one warning at the "
        "first of them; fix the file that does not parse and they are checked again.",
    ),
    Rule(
        "source-unknown",
        ERROR,
        "An event names a source the plan does not define.",
        _plan(
            "  sources: {web: {platform: web}}\nevents:\n  Order Completed:\n    sources: [ios]\n"
        ),
        (PLAN, 6),
        _plan(
            "  sources: {web: {platform: web}}\nevents:\n  Order Completed:\n    sources: [web]\n"
        ),
        check=checks.unknown_sources,
    ),
    Rule(
        "objective-unknown",
        ERROR,
        "An event names an objective the plan does not define.",
        _plan(
            "  objectives: {activation: {}}\nevents:\n  Order Completed:\n"
            "    objectives: [retention]\n"
        ),
        (PLAN, 6),
        _plan(
            "  objectives: {activation: {}}\nevents:\n  Order Completed:\n"
            "    objectives: [activation]\n"
        ),
        check=checks.unknown_objectives,
    ),
    Rule(
        "stage-unknown",
        ERROR,
        "An event names a lifecycle stage the plan does not define.",
        _plan(
            "  lifecycle:\n    - stage: Visitor\nevents:\n  Order Completed:\n    stage: Customer\n"
        ),
        (PLAN, 7),
        _plan(
            "  lifecycle:\n    - stage: Customer\nevents:\n  Order Completed:\n"
            "    stage: Customer\n"
        ),
        check=checks.unknown_stages,
    ),
    Rule(
        "kpi-event-unknown",
        ERROR,
        "A KPI lists an event the plan does not define.",
        _plan(
            "  objectives:\n    revenue:\n      kpis:\n        orders:\n"
            "          events: [Order Placed]\nevents:\n  Order Completed: {}\n"
        ),
        (PLAN, 7),
        _plan(
            "  objectives:\n    revenue:\n      kpis:\n        orders:\n"
            "          events: [Order Completed]\nevents:\n  Order Completed: {}\n"
        ),
        check=checks.unknown_kpi_events,
    ),
    Rule(
        "lifecycle-event-unknown",
        ERROR,
        "A lifecycle stage lists an event the plan lacks.",
        _plan(
            "  lifecycle:\n    - stage: Customer\n      events: [Order Placed]\n"
            "events:\n  Order Completed: {}\n"
        ),
        (PLAN, 5),
        _plan(
            "  lifecycle:\n    - stage: Customer\n      events: [Order Completed]\n"
            "events:\n  Order Completed: {}\n"
        ),
        check=checks.unknown_lifecycle_events,
    ),
    Rule(
        "replacement-unknown",
        WARNING,
        "A deprecated event is replaced by an event the plan does not define.",
        _plan("events:\n  Order Completed:\n    deprecated:\n      replaced_by: Checkout Done\n"),
        (PLAN, 6),
        _plan(
            "events:\n  Order Completed:\n    deprecated:\n      replaced_by: Order Placed\n"
            "  Order Placed: {}\n"
        ),
        check=checks.unknown_replacements,
    ),
    Rule(
        "variant-property-unknown",
        ERROR,
        "A case of an event's `variants` names a property, or a discriminator, the event "
        "does not have.",
        _plan(
            "events:\n  Page Viewed:\n    properties:\n      kind: {type: string}\n"
            "    variants:\n      - discriminator: kind\n        cases:\n"
            "          - match: [search]\n            properties:\n"
            "              qurey: {required: true}\n"
        ),
        (PLAN, 12),
        _plan(
            "events:\n  Page Viewed:\n    properties:\n      kind: {type: string}\n"
            "      query: {type: string}\n    variants:\n      - discriminator: kind\n"
            "        cases:\n          - match: [search]\n            properties:\n"
            "              query: {required: true}\n"
        ),
        doc="A case adds to the event's own properties (or the plan's common ones): it makes "
        "them required or narrows them when the discriminator holds the case's values, so "
        "the event's keys stay the same in every case.",
        check=checks.unknown_variant_properties,
    ),
    Rule(
        "rename-conflict",
        ERROR,
        "`renamed_from` names a name still defined, or one two definitions claim.",
        _plan("events:\n  Signup: {}\n  Signed Up:\n    renamed_from: [Signup]\n"),
        (PLAN, 6),
        _plan("events:\n  Signed Up:\n    renamed_from: [Signup]\n"),
        check=checks.rename_conflicts,
        blocks_diff=True,
    ),
    Rule(
        "codeowners-invalid",
        ERROR,
        "A CODEOWNERS line GitHub would reject.",
        {".github/CODEOWNERS": "* @acme/data\n!plans/ @acme/growth\nplans/ acme/growth\n"},
        (".github/CODEOWNERS", 2),
        {".github/CODEOWNERS": "* @acme/data\nplans/ @acme/growth\n"},
        check=checks.codeowners_problems,
        doc="Negation, escaped '#', and owners that are not @user, @org/team or an email.",
    ),
    Rule(
        "pattern-unsupported",
        ERROR,
        "A property's `pattern` is not a regular expression RE2 takes.",
        _plan(
            "events:\n  Order Completed:\n    properties:\n      code: {type: string, "
            "pattern: '^(a)\\1$'}\n"
        ),
        (PLAN, 6),
        _plan(
            "events:\n  Order Completed:\n    properties:\n      code: {type: string, "
            "pattern: '^(a)a$'}\n"
        ),
        check=checks.unsupported_patterns,
        doc="Every pattern from a plan runs in RE2, in time linear in the text, so no pattern "
        "can stall `validate`, `check` or the bot. RE2 has no backreferences and no lookaround.",
    ),
    # --- naming -----------------------------------------------------------------------------
    Rule(
        "convention-invalid",
        ERROR,
        "A custom naming convention is not a regular expression RE2 takes.",
        {"trackplan.yaml": "conventions:\n  event_name: '^[A-Z'\n"},
        ("trackplan.yaml", 2),
        {"trackplan.yaml": "conventions:\n  event_name: '^[A-Z]'\n"},
        check=checks.invalid_conventions,
    ),
    Rule(
        "event-name-case",
        ERROR,
        "An event name breaks `conventions.event_name` (title-case).",
        _plan("events:\n  order_completed: {}\n"),
        (PLAN, 4),
        _plan("events:\n  Order Completed: {}\n"),
        check=checks.event_name_casing,
        doc="Casings: title-case, snake-case, camel-case, pascal-case, kebab-case, any, a regex.",
    ),
    Rule(
        "event-name-reserved",
        ERROR,
        "An event is named `$identify`, `$group` or `$common`, names that stand for traits.",
        _plan("events:\n  $identify: {}\n"),
        (PLAN, 4),
        _plan("events:\n  Identify Called: {}\n"),
        check=checks.event_name_reserved,
        doc="Generated code checks identify and group traits as events `$identify` and "
        "`$group`, and waivers name them `PLAN/$identify/TRAIT`: an event of that name "
        "would be checked against the traits.",
    ),
    Rule(
        "property-name-case",
        ERROR,
        "A property or trait key breaks `conventions.property_name` (snake-case).",
        _plan("events:\n  Order Completed:\n    properties:\n      orderId: {type: string}\n"),
        (PLAN, 6),
        _plan("events:\n  Order Completed:\n    properties:\n      order_id: {type: string}\n"),
        check=checks.property_name_casing,
    ),
    Rule(
        "policy-rule-unknown",
        ERROR,
        "`policy.rules` in trackplan.yaml names a rule the diff does not have.",
        {
            "trackplan.yaml": "policy:\n  rules:\n    - {rule: property-remove, level: info}\n",
            PLAN: "plan:\n  id: web\nevents: {}\n",
        },
        ("trackplan.yaml", 3),
        {
            "trackplan.yaml": "policy:\n  rules:\n    - {rule: property-removed, level: info}\n",
            PLAN: "plan:\n  id: web\nevents: {}\n",
        },
        check=checks.unknown_policy_rules,
        doc="`policy:` (of trackplan.yaml, or of a plan under `plan:`) decides how changes "
        "count and who approves them, read from the base branch like every setting; see "
        "[Policy](#policy). A plan's entries are checked the same way.",
    ),
    Rule(
        WAIVER_EXPIRED,
        ERROR,
        "A waiver of waivers.yaml is past its `expires` day.",
        {"waivers.yaml": _waiver("2000-01-31")},
        ("waivers.yaml", 5),
        {"waivers.yaml": _waiver("2999-12-31")},
        check=checks.expired_waivers,
        doc="An expired waiver covers nothing: the change it accepted counts again. Remove the "
        "entry, or renew it (a new date and reason) in a reviewed pull request. See "
        "[Waivers](#waivers).",
    ),
    Rule(
        WAIVER_RULE_UNKNOWN,
        ERROR,
        "A waiver names a rule the diff does not have.",
        {"waivers.yaml": _waiver("2999-12-31", "property-remove")},
        ("waivers.yaml", 2),
        {"waivers.yaml": _waiver("2999-12-31")},
        check=checks.unknown_waiver_rules,
        doc="Such a waiver could never cover a change.",
    ),
    Rule(
        loader.WAIVER_DATE_INVALID,
        ERROR,
        "A waiver's `expires` is no calendar date.",
        {"waivers.yaml": _waiver("2027-02-30")},
        ("waivers.yaml", 5),
        {"waivers.yaml": _waiver("2027-02-28")},
        doc="Every waiver of the file is then ignored until it is fixed: a half-read list of "
        "accepted changes would accept the wrong ones.",
    ),
    Rule(
        "pii-unflagged",
        WARNING,
        "A property whose name or format looks like personal data says nothing of `pii:`.",
        _plan("events:\n  Signed Up:\n    properties:\n      billing_email: {type: string}\n"),
        (PLAN, 6),
        _plan(
            "events:\n  Signed Up:\n    properties:\n      billing_email: {type: string, "
            "pii: direct}\n      plan_name: {type: string}\n"
        ),
        check=checks.unflagged_pii,
        doc="Signals: `format` "
        + ", ".join(f"`{f}`" for f in checks.PII_FORMATS)
        + "; or a name holding one of these words (matched as whole words, in any case "
        "style): " + ", ".join(f"`{w}`" for w in checks.PII_WORDS) + ". `pii: none` (or `false`) "
        "records that a property holds no personal data and silences the rule. The classes: "
        + "; ".join(f"`{k}`: {v}" for k, v in MEANING.items())
        + " (`true` means `direct`).",
    ),
    Rule(
        "event-name-grammar",
        WARNING,
        "An event name is not Object Action (`Order Completed`).",
        _plan("events:\n  Completed Order: {}\n"),
        (PLAN, 4),
        _plan("events:\n  Order Completed: {}\n"),
        check=checks.event_grammar,
        doc="A heuristic: the name should end in a past-tense verb (or a phrasal one: Signed Up).",
    ),
    Rule(
        "event-name-dynamic",
        ERROR,
        "An event name embeds a date, an id or a counter.",
        _plan("events:\n  User Signed Up 2019-11-01: {}\n"),
        (PLAN, 4),
        _plan("events:\n  User Signed Up: {}\n"),
        check=checks.dynamic_event_names,
        doc="Each dynamic name is a new event downstream; send the value as a property.",
    ),
    Rule(
        "property-name-dynamic",
        ERROR,
        "A property key embeds a date, an id or a counter.",
        _plan("events:\n  Order Completed:\n    properties:\n      feature_1: {type: boolean}\n"),
        (PLAN, 6),
        _plan("events:\n  Order Completed:\n    properties:\n      features: {type: array}\n"),
        check=checks.dynamic_property_names,
        doc="Each dynamic key becomes a new column downstream; use one key with a list value.",
    ),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def blocks_diff(finding: Finding) -> bool:
    """Whether a finding leaves its plan out of `diff` and `review` (see Rule.blocks_diff)."""
    return finding.rule in _BLOCKS_DIFF and finding.level == ERROR


# Reference checks whose errors a file that does not parse causes in the files around it.
_CASCADING = frozenset({
    "ref-unknown", "source-unknown", "objective-unknown", "stage-unknown",
    "kpi-event-unknown", "lifecycle-event-unknown", "replacement-unknown",
})  # fmt: skip


def unparsed(rule: str) -> bool:
    """A finding that means its file could not be read at all (not merely invalid)."""
    return rule.startswith("yaml-") or rule == loader.FILE_NOT_MAPPING


def fold_cascades(findings: list[Finding]) -> list[Finding]:
    """Replace the reference errors a plan's unparsable file causes by one warning each."""
    broken: dict[str, Finding] = {}
    for f in sorted(findings, key=Finding.sort_key):
        if f.plan and unparsed(f.rule):
            broken.setdefault(f.plan, f)
    if not broken:
        return findings
    kept: list[Finding] = []
    folded: dict[str, list[Finding]] = {}
    for f in findings:
        if f.rule in _CASCADING and f.plan in broken:
            folded.setdefault(f.plan, []).append(f)
        else:
            kept.append(f)
    for plan, hits in sorted(folded.items()):
        first = min(hits, key=Finding.sort_key)
        cause = broken[plan]
        kept.append(Finding(
            DEPENDS_ON_UNREADABLE, WARNING, first.location,
            f"{len(hits)} reference{'s' if len(hits) != 1 else ''} of plan '{plan}' not "
            f"checked: {cause.location.file} does not parse ({cause.location})",
            f"Fix {cause.location.file} first; its definitions are unknown until it parses.",
            plan,
        ))  # fmt: skip
    return kept


def blocking_checks(registry: Registry) -> list[Finding]:
    """Only the checks whose findings leave a plan out of the diff (cheap: for `diff`)."""
    return [f for rule in RULES if rule.blocks_diff for f in rule.run(registry)]


PARALLEL_EVENTS = 2000  # fewer events are checked sooner than workers start


def run_checks(registry: Registry, workers: int = 1) -> list[Finding]:
    """Every catalog check over a loaded registry (load-time rules are raised by the loader).
    `workers` > 1: a large registry's rules run in that many forked processes (a command
    line tool's choice: a threaded server never forks); the findings are the same, in the
    same order."""
    events = sum(len(plan.events) for plan in registry.plans.values())
    if workers > 1 and events >= PARALLEL_EVENTS:
        return _run_forked(registry, workers)
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule.run(registry))
    return found


_forked: Registry | None = None  # what forked workers check


def _run_rules(indexes: list[int]) -> list[tuple[int, list[Finding]]]:
    assert _forked is not None
    return [(i, list(RULES[i].run(_forked))) for i in indexes]


def _run_forked(registry: Registry, workers: int) -> list[Finding]:
    """The rules dealt round-robin to forked workers, which inherit the registry (nothing is
    sent to them but rule indexes); the findings put back in the catalog's order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _forked
    _forked = registry
    try:
        deals = [list(range(w, len(RULES), workers)) for w in range(workers)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            by_rule = dict(pair for done in pool.map(_run_rules, deals) for pair in done)
    finally:
        _forked = None
    return [f for i in range(len(RULES)) for f in by_rule[i]]


def validation_findings(load_findings: list[Finding], registry: Registry,
                        workers: int = 1) -> list[Finding]:  # fmt: skip
    """What `validate` reports (and the review counts): load findings and checks, with the
    errors an unparsable file causes elsewhere folded into one warning. `workers`: see
    `run_checks`."""
    return fold_cascades(load_findings + run_checks(registry, workers))


_BLOCKS_DIFF = frozenset(rule.id for rule in RULES if rule.blocks_diff)
