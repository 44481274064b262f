"""The README's sink adapters for Segment, RudderStack, Mixpanel, Amplitude, PostHog and
Snowplow compile against stubs of those SDKs' calls (tsc --strict, mypy --strict)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult
from tests.test_codegen import check_py, compile_ts, tsc_path  # noqa: F401 (a fixture)

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parent.parent
SDKS = ("Segment", "RudderStack", "Mixpanel", "Amplitude", "PostHog", "Snowplow")

# The SDKs' calls as their type definitions declare them (the parts the adapters use).
TS_STUBS = """import { Sink, createTracker } from "./shop";
type Props = Record<string, unknown>;
declare const analytics: {
  track(event: string, properties?: Props): void;
  identify(userId: string, traits?: Props): void;
};
declare const rudderanalytics: { track(event: string, properties?: Props): void };
declare const mixpanel: { track(eventName: string, properties?: Props): void };
declare const amplitude: { track(eventInput: string, eventProperties?: Props): void };
declare const posthog: {
  capture(eventName: string, properties?: Props | null): void;
  identify(newDistinctId?: string, userPropertiesToSet?: Props): void;
};
declare function trackSelfDescribingEvent(event: { event: { schema: string; data: Props } }): void;
"""
PY_STUBS = """from __future__ import annotations

from shop import Tracker


class _Analytics:
    def track(self, user_id: str, event: str, properties: dict[str, object]) -> None: ...


analytics = rudder_analytics = _Analytics()


class _Mixpanel:
    def track(self, distinct_id: str, event_name: str,
              properties: dict[str, object] | None = None) -> None: ...


mp = _Mixpanel()


class BaseEvent:
    def __init__(self, event_type: str, user_id: str | None = None,
                 event_properties: dict[str, object] | None = None) -> None: ...


class _Amplitude:
    def track(self, event: BaseEvent) -> None: ...


client = _Amplitude()


class _PostHog:
    def capture(self, event: str, distinct_id: str | None = None,
                properties: dict[str, object] | None = None) -> None: ...


posthog = _PostHog()


class SelfDescribingJson:
    def __init__(self, schema: str, data: dict[str, object]) -> None: ...


class SelfDescribing:
    def __init__(self, event_json: SelfDescribingJson) -> None: ...


class _Snowplow:
    def track(self, event: SelfDescribing) -> None: ...


tracker = _Snowplow()
"""


def _adapters() -> dict[str, tuple[str, str]]:
    """SDK -> (TypeScript sink, Python `track` body), from the README's table."""
    text = (ROOT / "README.md").read_text()
    found = {}
    for sdk in SDKS:
        match = re.search(rf"^\| {sdk} \| `(.+?)` \| `(.+?)` \|$", text, re.M)
        assert match is not None, sdk
        found[sdk] = (match[1], match[2])
    return found


def test_the_readme_adapters_compile_against_the_sdks(
    run_cli: Cli,
    tmp_path: Path,
    tsc_path: str,  # noqa: F811
) -> None:
    examples = ROOT / "examples" / "acme"
    for lang in ("typescript", "python"):
        assert run_cli("generate", "--lang", lang, "--repo", str(examples), "--plan", "shop",
                       "--out", str(tmp_path)).code == 0  # fmt: skip
    adapters = _adapters()
    sinks = "".join(f"  {sdk}: {ts},\n" for sdk, (ts, _) in adapters.items())
    (tmp_path / "adapters.ts").write_text(
        TS_STUBS + f"export const sinks: Record<string, Sink> = {{\n{sinks}}};\n"
        "for (const sink of Object.values(sinks)) {\n"
        '  createTracker(sink).trackCartViewed({ cart_id: "c1", platform: "web", '
        'session_id: "s1" });\n}\n'
    )
    assert compile_ts(tsc_path, tmp_path, "adapters.ts") == {}
    classes = "".join(
        f"\n\nclass {sdk}Sink:\n    def __init__(self, user_id: str) -> None:\n"
        "        self.user_id = user_id\n\n"
        "    def track(self, event: str, properties: dict[str, object]) -> None:\n"
        f"        {py}\n\n\n"
        f'Tracker({sdk}Sink("u1")).track_cart_viewed(\n'
        '    {"cart_id": "c1", "platform": "web", "session_id": "s1"})\n'
        for sdk, (_, py) in adapters.items()
    )
    (tmp_path / "adapters.py").write_text(PY_STUBS + classes)
    assert check_py(tmp_path, "adapters.py") == {}


# Go modules standing in for the SDKs (their types as the adapters use them).
GO_STUBS = {
    "github.com/segmentio/analytics-go/v3": (
        "analytics",
        "",
        """
type Properties map[string]interface{}
type Traits map[string]interface{}
type Message interface{ Validate() error }
type Track struct {
	UserId     string
	Event      string
	Properties Properties
}
type Identify struct {
	UserId string
	Traits Traits
}
type Group struct {
	UserId  string
	GroupId string
	Traits  Traits
}

func (Track) Validate() error    { return nil }
func (Identify) Validate() error { return nil }
func (Group) Validate() error    { return nil }

type Client interface {
	Enqueue(Message) error
	Close() error
}
""",
    ),
    "github.com/rudderlabs/analytics-go/v4": (
        "analytics",
        "",
        """
type Properties map[string]interface{}
type Message interface{ Validate() error }
type Track struct {
	UserId     string
	Event      string
	Properties Properties
}

func (Track) Validate() error { return nil }

type Client interface{ Enqueue(Message) error }
""",
    ),
    "github.com/mixpanel/mixpanel-go": (
        "mixpanel",
        "",
        """
import "context"

type Event struct{ Name string }
type ApiClient struct{}

func (a *ApiClient) NewEvent(name string, distinctID string, properties map[string]any) *Event {
	return &Event{Name: name}
}
func (a *ApiClient) Track(ctx context.Context, events []*Event) error { return nil }
""",
    ),
    "github.com/amplitude/analytics-go": (
        "amplitude",
        "amplitude",
        """
type EventOptions struct{ UserID string }
type Event struct {
	EventType string
	EventOptions
	EventProperties map[string]interface{}
}
type Client interface{ Track(event Event) }
""",
    ),
    "github.com/posthog/posthog-go": (
        "posthog",
        "",
        """
type Properties map[string]interface{}
type Message interface{}
type Capture struct {
	DistinctId string
	Event      string
	Properties Properties
}
type Client interface{ Enqueue(Message) error }
""",
    ),
    "github.com/snowplow/snowplow-golang-tracker/v2": (
        "tracker",
        "tracker",
        """
type SelfDescribingJson struct{ Schema string }
type SelfDescribingEvent struct{ Event *SelfDescribingJson }
type Tracker struct{}

func InitSelfDescribingJson(schema string, data interface{}) *SelfDescribingJson {
	return &SelfDescribingJson{Schema: schema}
}
func (t *Tracker) TrackSelfDescribingEvent(e SelfDescribingEvent) {}
""",
    ),
}


def test_the_readme_go_sinks_compile_against_the_sdks(run_cli: Cli, tmp_path: Path) -> None:
    from tests.codegen_langs import env, tool

    go = tool("go", "TRACKPLAN_GO", "Debian's golang-go")
    text = (ROOT / "README.md").read_text()
    block = text.split("```go\n// Package sinks adapts")[1].split("```")[0]
    module = tmp_path / "app"
    requires, replaces = [], []
    for index, (path, (package, sub, body)) in enumerate(GO_STUBS.items()):
        folder = tmp_path / "stubs" / str(index)
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "go.mod").write_text(f"module {path}\n\ngo 1.19\n")
        (folder / sub / "stub.go").write_text(f"package {package}\n{body}")
        major = re.search(r"/v(\d+)$", path)
        requires.append(f"require {path} v{major[1] if major else 0}.0.0\n")
        replaces.append(f"replace {path} => {folder}\n")
    module.mkdir()
    (module / "go.mod").write_text("module example.com/app\n\ngo 1.19\n\n" + "".join(requires)
                                   + "".join(replaces))  # fmt: skip
    (module / "sinks").mkdir()
    (module / "sinks" / "sinks.go").write_text("// Package sinks adapts" + block)
    assert run_cli("generate", "--lang", "go", "--repo", str(ROOT / "examples" / "acme"),
                   "--plan", "shop", "--out", str(module)).code == 0  # fmt: skip
    (module / "main.go").write_text(
        'package main\n\nimport (\n\t"example.com/app/shop"\n\t"example.com/app/sinks"\n)\n\n'
        "func main() {\n\tfor _, sink := range []shop.Sink{sinks.SegmentSink{}, "
        "sinks.RudderStackSink{}, sinks.MixpanelSink{}, sinks.AmplitudeSink{}, "
        "sinks.PostHogSink{}, sinks.SnowplowSink{}} {\n"
        "\t\t_ = shop.NewTracker(sink, shop.Options{})\n\t}\n}\n"
    )
    vetted = subprocess.run([go, "vet", "./..."], cwd=module, env=env(), capture_output=True,
                            text=True, check=False, timeout=600)  # fmt: skip
    assert vetted.returncode == 0, vetted.stdout + vetted.stderr
    gofmt = subprocess.run([str(Path(go).with_name("gofmt")), "-l", "sinks"], cwd=module,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert gofmt.stdout == ""  # the README's block is gofmt-clean


# Java classes standing in for the SDKs (their methods as the adapters use them).
JAVA_STUBS = ROOT / "tests" / "fixtures" / "sdk_stubs" / "java"


def test_the_readme_java_sinks_compile_against_the_sdks(run_cli: Cli, tmp_path: Path) -> None:
    from tests.codegen_langs import tool
    from tests.conftest import write_files

    javac = tool("javac", "TRACKPLAN_JAVAC", "Debian's default-jdk-headless")
    text = (ROOT / "README.md").read_text()
    block = text.split("```java\npackage com.acme.tracking;")[1].split("```")[0]
    files = write_files(tmp_path / "src", {
        "com/acme/tracking/Sinks.java": "package com.acme.tracking;" + block})  # fmt: skip
    assert run_cli("generate", "--lang", "java", "--repo", str(ROOT / "examples" / "acme"),
                   "--plan", "shop", "--out", str(files)).code == 0  # fmt: skip
    sources = [str(p) for p in (*files.rglob("*.java"), *JAVA_STUBS.rglob("*.java"))]
    built = subprocess.run([javac, "-Xlint:all", "-Werror", "-d", str(tmp_path / "classes"),
                            *sources], capture_output=True, text=True, check=False,
                           timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr


def test_the_readme_kotlin_sinks_compile_against_the_sdks(run_cli: Cli, tmp_path: Path) -> None:
    from tests.codegen_langs import tool

    kotlinc = tool("kotlinc", "TRACKPLAN_KOTLINC", "npm's kotlin-compiler")
    text = (ROOT / "README.md").read_text()
    block = text.split("```kotlin\npackage com.acme.tracking")[1].split("```")[0]
    (tmp_path / "Sinks.kt").write_text("package com.acme.tracking" + block)
    assert run_cli("generate", "--lang", "kotlin", "--repo", str(ROOT / "examples" / "acme"),
                   "--plan", "shop", "--out", str(tmp_path)).code == 0  # fmt: skip
    stubs = ROOT / "tests" / "fixtures" / "sdk_stubs" / "kotlin"
    sources = [str(p) for p in (*tmp_path.rglob("*.kt"), *stubs.rglob("*.kt"))]
    built = subprocess.run([kotlinc, "-Werror", "-d", str(tmp_path / "classes"), *sources],
                           capture_output=True, text=True, check=False, timeout=900)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
