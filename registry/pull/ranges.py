"""Version ranges for `trackplan pull`: npm's semantics exactly, plus `latest`.

Ranges are npm's (`^1.2`, `~1.2.3`, `>=1.0 <2`, `1.x`, `1.2 - 2`, `<1 || >=3`), evaluated by
node-semver, a port of npm's own implementation: users write the ranges they know from
package.json and get the answers npm would give.
"""

from __future__ import annotations

from collections.abc import Iterable

import nodesemver

from registry.release.versions import parse_version


class RangeError(ValueError):
    """A range that cannot be parsed."""


def _range(spec: str) -> nodesemver.Range:
    spec = spec.strip()
    if spec == "latest":
        spec = "*"
    try:
        return nodesemver.make_range(spec, loose=False)
    except (ValueError, TypeError) as exc:
        raise RangeError(
            f"'{spec}' is not a version range ({exc}); write one as npm does: ^1.2, ~1.2.3, "
            "'>=1.0 <2', 1.x, '1.0 - 2.0', '<1 || >=3', an exact version, or latest"
        ) from None


def satisfies(spec: str, version: str) -> bool:
    """Whether `version` is inside the range `spec` (npm's answer; False for a non-version)."""
    rng = _range(spec)
    try:
        return bool(rng.test(version))
    except (ValueError, TypeError):
        return False


def best_match(spec: str, versions: Iterable[str]) -> str | None:
    """The highest of the released `versions` inside the range, or None."""
    rng = _range(spec)
    released = [text for text in versions if parse_version(text) is not None]
    matching = [text for text in released if rng.test(text)]
    return max(matching, key=lambda text: parse_version(text) or (0, 0, 0), default=None)
