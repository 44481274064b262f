"""Generate a large synthetic registry (events x properties over many files) for benchmarks."""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

OBJECTS = """Account Address Alert Answer Article Audience Badge Banner Basket Booking Brand Budget
Campaign Card Cart Category Channel Chart Checkout Comment Contact Coupon Course
Dashboard Deal Device Document Draft Email Episode Export Feature Feed File Filter
Folder Form Friend Gift Goal Group Guide Image Import Invoice Item Lesson Link List Map
Meeting Message Note Offer Order Page Payment Photo Plan Playlist Post Price Product
Profile Project Quote Receipt Report Review Reward Search Seat Session Share Song Story
Subscription Survey Tag Task Team Template Ticket Trip Video Wallet Webinar Widget
Workspace""".split()
ACTIONS = """Added Archived Approved Cancelled Changed Clicked Closed Completed Copied Created
Declined Deleted Downloaded Edited Enabled Exported Failed Imported Joined Liked Loaded
Moved Opened Paused Played Printed Published Rated Received Removed Renamed Reported
Requested Resumed Saved Scheduled Selected Sent Shared Started Submitted Updated
Uploaded Viewed""".split()
WORDS = """account action amount browser campaign category channel city code color count country
currency device discount duration email feature format label language level locale
medium method name network page path plan platform position price quantity reason
referrer region result role score screen section size source status step tier title
total type unit value variant version""".split()
TYPES = ("string", "integer", "number", "boolean")


def event_names(count: int) -> list[str]:
    """`count` distinct "Object Action" names; past those pairs, "Object Object Action"."""
    pairs = itertools.product(OBJECTS, ACTIONS)
    triples = ((f"{o} {p}", a)
               for o, p, a in itertools.product(OBJECTS, OBJECTS, ACTIONS) if o != p)  # fmt: skip
    names = [f"{o} {a}" for o, a in itertools.islice(itertools.chain(pairs, triples), count)]
    if count > len(names):
        raise SystemExit(f"at most {len(names)} events")
    return names


def property_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{a}_{b}" for a, b in itertools.permutations(WORDS, 2)]
    return rng.sample(pairs, count)


def event_yaml(rng: random.Random, name: str, props: int) -> list[str]:
    lines = [f"  {name}:", f"    description: Sent when a user {name.split()[-1].lower()} it."]
    lines += ["    owners: ['@acme/team-" + rng.choice("abcdefg") + "']", "    properties:"]
    for prop in property_names(rng, props):
        kind = rng.choice(TYPES)
        lines.append(f"      {prop}:")
        lines.append(f"        type: {kind}")
        if rng.random() < 0.3:
            lines.append("        required: true")
        if kind == "string" and rng.random() < 0.2:
            lines.append("        enum: [alpha, beta, gamma]")
        if rng.random() < 0.4:
            lines.append(f"        description: The {prop.replace('_', ' ')}.")
    return lines


def generate(root: Path, events: int, props: int, files: int, seed: int = 7) -> None:
    """Write plans/bench with `events` events of `props` properties spread over `files` files."""
    rng = random.Random(seed)
    plan = root / "plans" / "bench"
    (plan / "events").mkdir(parents=True, exist_ok=True)
    (plan / "plan.yaml").write_text(
        "plan:\n  id: bench\n  title: Benchmark plan\n  owners: ['@acme/data']\n"
    )
    names = event_names(events)
    per_file = max(1, -(-events // files))
    for index in range(0, events, per_file):
        lines = ["events:"]
        for name in names[index : index + per_file]:
            lines += event_yaml(rng, name, props)
        (
            plan / "events" / f"{OBJECTS[index // per_file % len(OBJECTS)].lower()}-"
            f"{chr(97 + index // per_file // len(OBJECTS))}.yaml"
        ).write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--properties", type=int, default=25)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    generate(args.out, args.events, args.properties, args.files)


if __name__ == "__main__":
    main()
