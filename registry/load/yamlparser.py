"""ruamel.yaml's event parser: the C one when installed, else the pure-Python one behind it.

Its own module so that ruamel.yaml loads on the first parse (9 ms of start-up): a command
whose files all come from the parse cache never needs it.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import events as events
from ruamel.yaml.error import MarkedYAMLError as MarkedYAMLError
from ruamel.yaml.error import YAMLError as YAMLError

try:  # The C parser is ~5x faster; the pure-Python one yields the same events.
    from ruamel.yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]

    def parser(raw: bytes) -> Any:
        return _CParser(raw)

except ImportError:  # without ruamel.yaml.clib (PyPy, platforms with no wheel)
    from ruamel.yaml.main import YAML as _YAML

    class _PureParser:
        """The pure-Python parser behind the C parser's interface (`get_event`)."""

        def __init__(self, raw: bytes) -> None:
            self._events = _YAML(typ="safe", pure=True).parse(raw)

        def get_event(self) -> Any:
            return next(self._events)

    def parser(raw: bytes) -> Any:
        return _PureParser(raw)
