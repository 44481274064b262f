"""Which calls are tracking calls: the SDKs' (a default list, extended or replaced by
`status.calls` in trackplan.yaml) and the `Tracker` methods trackplan generates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from registry.records import record
from registry.status.source import MAP, Call, Value

TRACK, IDENTIFY, GROUP = "track", "identify", "group"
KINDS = (TRACK, IDENTIFY, GROUP)
JS = ("javascript", "typescript")
JVM = ("java", "kotlin")


@record(frozen=True)
class CallSpec:
    """A kind of tracking call: callees (glob patterns of the dotted callee, matched whole or
    as its end: `analytics.track` also matches `window.analytics.track`), where its event
    name and its properties are (each a list of places tried in order: a positional index,
    an argument label or keyword, or a path into a literal map, `0.event.schema`), the
    languages it is written in (empty: every one) and whether the event is an Iglu URI."""

    call: tuple[str, ...]
    event: tuple[str, ...] = ("0",)
    properties: tuple[str, ...] = ("1",)
    languages: tuple[str, ...] = ()
    kind: str = TRACK
    iglu: bool = False
    sdk: str = ""  # who documents the call, for messages
    # How many arguments the call takes, where its name alone says little (Go's
    # `client.NewEvent(name, distinctID, properties)`; an event bus's NewEvent takes two).
    arity: int | None = None

    def matches(self, call: Call, language: str) -> bool:
        if self.languages and language not in self.languages:
            return False
        if self.arity is not None and len(call.args) != self.arity:
            return False
        callee = call.callee
        return any(fnmatchcase(callee, p) or fnmatchcase(callee, "*." + p) for p in self.call)


def _spec(
    sdk: str,
    call: Iterable[str],
    event: Iterable[Any],
    properties: Iterable[Any],
    languages: Iterable[str] = (),
    kind: str = TRACK,
    iglu: bool = False,
    arity: int | None = None,
) -> CallSpec:
    places = (tuple(map(str, event)), tuple(map(str, properties)))
    return CallSpec(tuple(call), *places, tuple(languages), kind, iglu, sdk, arity)


# What the SDKs' own documentation writes. Python's Segment, RudderStack and Mixpanel
# clients take the user first (`track(user_id, event, properties)`); PostHog's took it first
# before version 6 and takes the event first since.
DEFAULT_CALLS: tuple[CallSpec, ...] = (
    _spec(
        "Segment/RudderStack",
        # Segment Android writes Analytics.with(context).track, analytics-ios
        # Analytics.shared().track.
        [
            "analytics.track",
            "rudderanalytics.track",
            "Analytics.track",
            "rudderClient.track",
            "Analytics.with.track",
            "Analytics.shared.track",
        ],
        [0, "event", "name"],
        [1, "properties"],
        (*JS, *JVM, "swift"),
    ),
    _spec(
        "Segment/RudderStack",
        ["analytics.identify", "rudderanalytics.identify"],
        ["userId", 0],
        [1, "traits", 0],  # identify(traits) without a user id is Segment's too
        (*JS, *JVM, "swift"),
        IDENTIFY,
    ),
    _spec(
        "Segment/RudderStack",
        ["analytics.group", "rudderanalytics.group"],
        ["groupId", 0],
        [1, "traits", 0],
        (*JS, *JVM, "swift"),
        GROUP,
    ),
    _spec(
        "Segment/RudderStack/Mixpanel",
        ["analytics.track", "rudder_analytics.track", "mixpanel.track", "mp.track"],
        ["event", "event_name", 1],
        ["properties", 2],
        ("python",),
    ),
    _spec(
        "Segment/RudderStack",
        ["analytics.identify", "rudder_analytics.identify"],
        ["user_id", 0],
        ["traits", 1],
        ("python",),
        IDENTIFY,
    ),
    _spec(
        "Amplitude",
        [
            "amplitude.track",
            "amplitude.logEvent",
            "Amplitude.getInstance.logEvent",
            "Amplitude.instance.logEvent",
            "amplitudeClient.logEvent",
        ],
        ["eventType", "event_type", 0],
        ["eventProperties", 1],
        (*JS, *JVM, "swift"),
    ),
    _spec(
        "Amplitude",
        ["BaseEvent", "amplitude.BaseEvent"],
        ["event_type", 0],
        ["event_properties"],
        ("python",),
    ),
    _spec("Amplitude", ["amplitude.Event"], ["EventType"], ["EventProperties"], ("go",)),
    _spec(
        "Mixpanel",
        ["mixpanel.track", "Mixpanel.mainInstance.track", "mixpanel.people.track"],
        ["event", 0],
        ["properties", 1],
        (*JS, *JVM, "swift"),
    ),
    # mixpanel-go: client.NewEvent(name, distinctID, properties), whatever the client's
    # name; other libraries' NewEvent (event buses, CloudEvents' NewEvent("1.0")) take
    # other arguments.
    _spec("Mixpanel", ["NewEvent", "*.NewEvent"], [0], [2], ("go",), arity=3),
    _spec(
        "PostHog",
        ["posthog.capture", "PostHog.capture", "PostHogSDK.shared.capture"],
        ["event", 0],
        ["properties", 1],
        (*JS, *JVM, "swift"),
    ),
    _spec("PostHog", ["posthog.capture"], ["event", 1, 0], ["properties", 2], ("python",)),
    _spec(
        "Segment/RudderStack/PostHog",
        ["analytics.Track", "posthog.Capture"],
        ["Event"],
        ["Properties"],
        ("go",),
    ),
    _spec("Segment/RudderStack", ["analytics.Identify"], ["UserId"], ["Traits"], ("go",), IDENTIFY),
    # The generated Trackers' own identify and group (a tracker by any name ending so).
    _spec(
        "trackplan",
        ["*racker.identify", "*racker.Identify"],
        [0, "user_id", "userId"],
        [1, "traits"],
        kind=IDENTIFY,
    ),
    _spec(
        "trackplan",
        ["*racker.group", "*racker.Group"],
        [0, "group_id", "groupId"],
        [1, "traits"],
        kind=GROUP,
    ),
    _spec(
        "Snowplow",
        ["trackSelfDescribingEvent", "snowplow.trackSelfDescribingEvent"],
        ["0.event.schema"],
        ["0.event.data"],
        JS,
        iglu=True,
    ),
    _spec(
        "Snowplow",
        ["SelfDescribingJson", "SelfDescribing", "snowplow.SelfDescribingJson"],
        ["schema", 0],
        ["data", 1],
        ("python", *JVM, "swift"),
        iglu=True,
    ),
)


def specs_from_settings(data: Any) -> tuple[CallSpec, ...]:
    """`status.calls` (already checked against the settings schema) laid before the
    defaults, or instead of them with `status.default_calls: false`."""
    if not isinstance(data, Mapping):
        return DEFAULT_CALLS
    own = []
    for entry in data.get("calls") or ():
        if not isinstance(entry, Mapping) or "call" not in entry:
            continue
        own.append(_spec(
            str(entry.get("sdk", "status.calls")),
            _strings(entry["call"]),
            _strings(entry.get("event", 0)),
            _strings(entry.get("properties", 1)),
            _strings(entry.get("languages", ())),
            str(entry.get("kind", TRACK)),
            bool(entry.get("iglu", False)),
        ))  # fmt: skip
    defaults = DEFAULT_CALLS if data.get("default_calls", True) is not False else ()
    return (*own, *defaults)


def _strings(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def argument(call: Call, places: Sequence[str]) -> Value | None:
    """The first of `places` the call has: `2` (a positional argument; None once a spread
    makes positions unknown), `event` (a label or keyword), `0.event.schema` (a path into a
    literal map)."""
    for place in places:
        head, *rest = place.split(".")
        found: Value | None
        if head.isdigit():
            index = int(head)
            if any(a.kind == "spread" for a in call.args[: index + 1]):
                return Value("other")  # where the argument is cannot be known
            found = call.args[index] if index < len(call.args) else None
        else:
            found = call.named.get(head)
        for key in rest:
            if found is None:
                break
            if found.kind != MAP:  # the argument is there but not literal: dynamic
                return Value("other", line=found.line)
            found = found.at(key)
        if found is not None:
            return found
    return None


def iglu_name(uri: str) -> str | None:
    """`iglu:com.acme/order_completed/jsonschema/1-0-0` -> `order_completed`."""
    if not uri.startswith("iglu:"):
        return None
    parts = uri[5:].split("/")
    return parts[1] if len(parts) == 4 and parts[1] else None
