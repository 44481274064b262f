"""Safe YAML loading into plain data plus a position index, with limits against hostile input."""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from registry.records import field, record

if TYPE_CHECKING:
    from ruamel.yaml.error import MarkedYAMLError


Path = tuple[str | int, ...]

# Rule ids raised while reading a file (documented in registry.lint.rules).
YAML_SYNTAX = "yaml-syntax"
YAML_DUPLICATE_KEY = "yaml-duplicate-key"
YAML_FORBIDDEN_TAG = "yaml-forbidden-tag"
YAML_ALIAS_LIMIT = "yaml-alias-limit"
YAML_TOO_DEEP = "yaml-too-deep"
YAML_FILE_TOO_LARGE = "yaml-file-too-large"
YAML_NUMBER_TOO_LARGE = "yaml-number-too-large"
# Numbers a JSON Schema validator in any language can hold: 2**64 has 20 digits; a float
# literal beyond this many characters is a mistake or an attack (int() of 5,000 digits
# raises; of 10**6 digits it takes seconds).
MAX_NUMBER_CHARS = 100


@record(frozen=True)
class Limits:
    """Bounds on what one file may cost to read: a registry file is small and flat."""

    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    # Aliases may add at most this many nodes beyond the file's own (billion laughs guard).
    max_alias_nodes: int = 100_000
    # A key written twice in one mapping is refused; True: the last one wins, as JSON
    # parsers read it (what other tools' files rely on), and each is recorded.
    last_key_wins: bool = False


DEFAULT_LIMITS = Limits()


class YamlError(Exception):
    """A file that cannot be read as safe YAML; carries the rule id and a 1-based position."""

    def __init__(self, rule: str, line: int, column: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint


COLUMN_BITS = 20  # a position is one int: line << COLUMN_BITS | column (columns past
# 1,048,575, on a line longer than any plan writes, read as that column)
_COLUMN = (1 << COLUMN_BITS) - 1


def _pack(line: int, column: int) -> int:
    return line << COLUMN_BITS | min(column, _COLUMN)


def _unpack(packed: int) -> tuple[int, int]:
    return packed >> COLUMN_BITS, packed & _COLUMN


# A container's node: the packed positions of its children, 8 bytes each in the order of
# the data's own items (a sequence's indexes, a mapping's keys as inserted: no key is stored
# twice), as one bytes object; paired with a tuple of the children's own nodes (None for a
# scalar or an empty container) when any child has children. A property spec of three keys
# costs one 57-byte object instead of a tuple of three ints.
Node = bytes | tuple[bytes, tuple[Any, ...]] | None
_SLOT = 8
_SHARED_TEXT = 64  # longer texts (descriptions) are rarely repeated


# sys.intern'd text is freed when unused, except on CPython 3.12.0-3.12.5 and free-threaded
# builds (immortal: every short text of every plan a long-running bot reads would stay).
# There, text is shared within a document only.
def _mortal_interns() -> bool:
    if sys.version_info < (3, 12):
        return True
    if sys.version_info < (3, 12, 6):
        return False
    import sysconfig  # free-threaded builds exist from 3.13 on

    return not sysconfig.get_config_var("Py_GIL_DISABLED")


_MORTAL_INTERNS = _mortal_interns()


def _node(packed: list[int], nested: list[Any] | None) -> Node:
    """The node of a container whose children stand at `packed`, with `nested` their nodes."""
    raw = array("Q", packed).tobytes()
    return (raw, tuple(nested)) if nested is not None else raw


def is_node(value: Any) -> bool:
    """Whether `value` has a node's shape at its top (what a cache entry is checked for)."""
    if value is None or type(value) is bytes:
        return True
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is bytes
            and type(value[1]) is tuple)  # fmt: skip


def _split(node: Node) -> tuple[bytes, tuple[Any, ...] | None]:
    if node is None:
        return b"", None
    if type(node) is bytes:
        return node, None
    return node  # type: ignore[return-value]


def _at(raw: bytes, index: int) -> int:
    return int.from_bytes(raw[index * _SLOT : index * _SLOT + _SLOT], sys.byteorder)


class Positions(Mapping[Path, tuple[int, int]]):
    """Where each mapping key and sequence item stands, as a tree of compact nodes that
    follows the data (`data`, the document's): no node keeps its path or its key, only 8
    bytes per child (the flat map of path tuples it replaces took most of a large plan's
    memory). Reads as a mapping of paths to (line, column). Keys merged in (`<<`) have no
    entry of their own."""

    __slots__ = ("_indexes", "data", "tree")

    def __init__(self, tree: Node = None, data: Any = None) -> None:
        self.tree: Node = tree
        self.data: Any = data
        # Large mappings' key -> place, made on the first lookup in each (an events map of
        # thousands, asked once per finding, is walked once, not once per finding).
        self._indexes: dict[int, dict[str, int]] = {}

    @classmethod
    def of(cls, flat: Mapping[Path, tuple[int, int]], data: Any) -> Positions:
        """From a map of paths (what writers compute) over `data`."""
        if isinstance(flat, Positions):
            return cls(flat.tree, data)

        def node(value: Any, path: Path) -> Node:
            items = value.items() if isinstance(value, dict) else enumerate(value)
            packed: list[int] = []
            nested: list[Any] = []
            for key, child in items:
                here = (*path, key)
                line, column = flat.get(here, (0, 0))
                packed.append(_pack(line, column) if line else 0)
                nested.append(node(child, here) if isinstance(child, (dict, list)) and child
                              else None)  # fmt: skip
            if not packed:
                return None
            return _node(packed, nested if any(n is not None for n in nested) else None)

        return cls(node(data, ()) if isinstance(data, (dict, list)) else None, data)

    def _entry(self, path: Path) -> tuple[list[int], bool]:
        """The packed positions along `path` as far as it leads, and whether it leads all
        the way."""
        value, node = self.data, self.tree
        found: list[int] = []
        for key in path:
            if isinstance(value, dict) and type(key) is str and key in value:
                index = self._place(value, key)
            elif isinstance(value, list) and type(key) is int and 0 <= key < len(value):
                index = key
            else:
                return found, False
            raw, nested = _split(node)
            if index * _SLOT >= len(raw):
                return found, False
            found.append(_at(raw, index))
            node = nested[index] if nested is not None else None
            value = value[key]
        return found, True

    def _place(self, mapping: dict[str, Any], key: str) -> int:
        if len(mapping) < 64:
            return _index(mapping, key)
        places = self._indexes.get(id(mapping))
        if places is None:
            places = self._indexes[id(mapping)] = {k: i for i, k in enumerate(mapping)}
        return places[key]

    def nearest(self, path: Path) -> tuple[int, int]:
        """Line and column of `path`, or of its nearest ancestor that has one; (1, 1)."""
        found, _ = self._entry(path)
        packed = next((p for p in reversed(found) if p), 0)
        return _unpack(packed) if packed else (1, 1)

    def __getitem__(self, path: Path) -> tuple[int, int]:
        if type(path) is not tuple or not path:
            raise KeyError(path)
        found, whole = self._entry(path)
        if not whole or not found[-1]:
            raise KeyError(path)
        return _unpack(found[-1])

    def _walk(self) -> Iterator[tuple[Path, int]]:
        stack: list[tuple[Path, Any, Node]] = [((), self.data, self.tree)]
        while stack:
            prefix, value, node = stack.pop()
            if not isinstance(value, (dict, list)) or node is None:
                continue
            raw, nested = _split(node)
            keys = list(value) if isinstance(value, dict) else range(len(value))
            for index, key in enumerate(keys[: len(raw) // _SLOT]):
                here = (*prefix, key)
                packed = _at(raw, index)
                if packed:
                    yield here, packed
                if nested is not None and nested[index] is not None:
                    stack.append((here, value[key], nested[index]))

    def __iter__(self) -> Iterator[Path]:
        return (path for path, _ in self._walk())

    def items(self) -> Any:  # one walk, not a lookup per path
        return [(path, _unpack(packed)) for path, packed in self._walk()]

    def __len__(self) -> int:
        return sum(1 for _ in self._walk())


def _index(mapping: dict[str, Any], key: str) -> int:
    """Where `key` stands among `mapping`'s keys (a plan's mapping has tens of keys; an
    events map of a large file, thousands: a lookup walks it once)."""
    for index, name in enumerate(mapping):
        if name == key:
            return index
    raise KeyError(key)


@record
class YamlDocument:
    """The data of one YAML file and where each mapping key and sequence item stands."""

    data: Any
    positions: Positions = field(default_factory=Positions)
    # Schema name -> whether the data is valid under it; filled by load/file_schemas.py, cached.
    valid: dict[str, bool] = field(default_factory=dict)
    # Keys written twice (Limits.last_key_wins): (path of the key, first line, line kept).
    repeated: list[tuple[Path, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.positions, Positions):  # a writer's map of paths
            self.positions = Positions.of(self.positions, self.data)
        self.positions.data = self.data
        self.positions._indexes = {}  # places of the data it had before, if any

    def position(self, path: Path) -> tuple[int, int]:
        """Line and column of `path`, or of its nearest ancestor that has one."""
        return self.positions.nearest(path)


_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS: dict[str, Callable[[str], Any]] = {
    _STR: str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": lambda v: {"true": True, "false": False}[v.lower()],
    "tag:yaml.org,2002:null": lambda v: None,
    # Dates stay text: JSON has no date type and ISO text compares and prints the same.
    "tag:yaml.org,2002:timestamp": str,
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"}

# YAML 1.2 core schema; yes/no/on/off stay strings (YAML 1.1 surprises are a common bug).
_PLAIN_WORDS: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_NUMERIC_START = frozenset("0123456789-+.")


def _resolve_plain(value: str) -> Any:
    if value in _PLAIN_WORDS:
        return _PLAIN_WORDS[value]
    if value[0] in _NUMERIC_START:
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        if value.startswith("0x") and _is_int(value[2:], 16):
            return int(value[2:], 16)
        if value.startswith("0o") and _is_int(value[2:], 8):
            return int(value[2:], 8)
    return value


def _is_int(text: str, base: int) -> bool:
    try:
        int(text, base)
    except ValueError:
        return False
    return True


def _forbidden_tag(tag: str, line: int, column: int) -> YamlError:
    return YamlError(
        YAML_FORBIDDEN_TAG,
        line,
        column,
        f"tag '{tag}' is not allowed: plan files hold plain data only",
        "Remove the tag; write the value as a plain string, number, list or mapping.",
    )


class _Frame:
    """A mapping or sequence being built, with the key awaiting its value."""

    __slots__ = (
        "anchor",
        "container",
        "key",
        "key_at",
        "key_is_merge",
        "key_mark",
        "merges",
        "nested",
        "packed",
        "size",
        "start",
    )

    def __init__(self, container: Any, start: Any, anchor: str | None):
        self.container = container
        self.start = start  # its start event: the position is read from it when needed
        self.anchor = anchor
        self.packed: list[int] = []  # where each key or item stands, in the data's order
        self.nested: list[Any] | None = None  # their own nodes, once one has children
        self.size = 1
        self.key: str | None = None
        self.key_at = 0  # where the key stands, packed (its column capped: see COLUMN_BITS)
        self.key_mark: Any = None  # and its start mark: errors give the exact column
        self.key_is_merge = False
        self.merges: list[dict[str, Any]] | None = None


class _Builder:
    """Turns the parser's event stream into plain data without recursion (deep input is safe)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.positions = Positions()
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.alias_nodes = 0
        self.root: Any = None
        self.documents = 0
        self.repeated: list[tuple[Path, int, int]] = []
        self.strings: dict[str, str] = {}  # where interned text would never be freed

    def run(self, parser: Any) -> Any:
        stack = self.stack
        # One object per distinct short text, in the whole process: plans repeat keys, types
        # and property names thousands of times (a third of a large plan's memory was copies
        # of them). Interned text stays interned through marshal (the parse cache and its
        # workers) and is freed when no document holds it.
        strings = self.strings
        intern = sys.intern if _MORTAL_INTERNS else lambda text: strings.setdefault(text, text)
        from registry.load import yamlparser  # here: see that module

        ev = yamlparser.events
        scalar, alias = ev.ScalarEvent, ev.AliasEvent
        mapping_start, sequence_start = ev.MappingStartEvent, ev.SequenceStartEvent
        mapping_end, sequence_end = ev.MappingEndEvent, ev.SequenceEndEvent
        while True:
            event = parser.get_event()
            cls = type(event)
            if cls is scalar:
                text = event.value
                ctag = event.ctag
                plain = ctag is None and not event.style
                if plain and len(text) <= MAX_NUMBER_CHARS:
                    # _resolve_plain, its common outcomes inline: a word, or plain text
                    if text in _PLAIN_WORDS:
                        value = _PLAIN_WORDS[text]
                    elif text[0] in _NUMERIC_START:
                        value = _resolve_plain(text)
                    else:
                        value = text
                elif ctag is None and not plain:
                    value = text
                else:
                    value = self._scalar(event, _position(event))
                if type(value) is str and len(value) <= _SHARED_TEXT:
                    value = intern(value)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                elif stack:
                    # The common cases inline (a key, then its scalar value): the rest, and
                    # every error, go through _add.
                    parent = stack[-1]
                    container: Any = parent.container
                    if type(container) is dict:
                        key = parent.key
                        if key is None:
                            if type(value) is str:
                                parent.size += 1  # a key is a node: the alias limit counts it
                                parent.key = value
                                mark = event.start_mark
                                column = mark.column + 1
                                parent.key_mark = mark
                                parent.key_at = (mark.line + 1) << COLUMN_BITS | (
                                    column if column < _COLUMN else _COLUMN
                                )
                                parent.key_is_merge = plain and value == "<<"
                                continue
                        elif not parent.key_is_merge and key not in container:
                            parent.key = None
                            parent.size += 1
                            container[key] = value
                            parent.packed.append(parent.key_at)
                            if parent.nested is not None:
                                parent.nested.append(None)
                            continue
                self._add(value, 1, _position(event), plain=plain)
            elif cls is mapping_start or cls is sequence_start:
                tag = event.tag
                if tag is not None and tag not in _COLLECTION_TAGS:
                    raise _forbidden_tag(tag, *_position(event))
                if len(stack) >= self.limits.max_depth:
                    raise YamlError(
                        YAML_TOO_DEEP,
                        *_position(event),
                        f"nesting is deeper than {self.limits.max_depth} levels",
                        "Flatten the structure: plan files never need this much nesting.",
                    )
                stack.append(_Frame({} if cls is mapping_start else [], event, event.anchor))
            elif cls is mapping_end or cls is sequence_end:
                frame = stack.pop()
                # Merged keys never override the mapping's own keys, whatever their order.
                for merged in frame.merges or ():
                    for key, value in merged.items():
                        frame.container.setdefault(key, value)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.container, frame.size)
                node = _node(frame.packed, frame.nested) if frame.packed else None
                if stack:
                    # The common case inline (a mapping's value), as for scalars above.
                    parent = stack[-1]
                    key = parent.key
                    if (
                        type(parent.container) is dict
                        and key is not None
                        and not parent.key_is_merge
                        and key not in parent.container
                    ):
                        parent.key = None
                        parent.size += frame.size
                        parent.container[key] = frame.container
                        nested = parent.nested
                        if node is not None and nested is None:
                            nested = parent.nested = [None] * len(parent.packed)
                        parent.packed.append(parent.key_at)
                        if nested is not None:
                            nested.append(node)
                        continue
                self._add(frame.container, frame.size, _position(frame.start), plain=False,
                          node=node)  # fmt: skip
            elif cls is alias:
                self._alias(event)
            elif cls is ev.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    mark = event.start_mark
                    raise YamlError(
                        YAML_SYNTAX,
                        mark.line + 1,
                        mark.column + 1,
                        "a second YAML document starts here ('---')",
                        "Keep one document per file; move the rest into another file.",
                    )
            elif cls is ev.StreamEndEvent:
                return self.root

    def _path(self, depth: int) -> Path:
        """The path of the container open at `depth` of the stack (0: the document's), read
        from its ancestors' keys awaiting their value: frames keep no path of their own."""
        path: list[str | int] = []
        for parent in self.stack[:depth]:
            if isinstance(parent.container, dict):
                path.append(parent.key if parent.key is not None else "?")
            else:
                path.append(len(parent.container))
        return tuple(path)

    def _scalar(self, event: Any, pos: tuple[int, int]) -> Any:
        tag = event.tag
        value: str = event.value
        if tag is None or tag == "!":
            if event.style not in ("", None) or tag is not None:
                return value
            if (
                len(value) > MAX_NUMBER_CHARS
                and value[0] in _NUMERIC_START
                and (_INT.match(value) or _FLOAT.match(value))
            ):
                raise YamlError(
                    YAML_NUMBER_TOO_LARGE,
                    *pos,
                    f"a number of {len(value)} characters is longer than any plan needs "
                    f"(at most {MAX_NUMBER_CHARS})",
                    "Write a smaller number, or quote it if it is meant as text.",
                )
            return _resolve_plain(value)
        convert = _SCALAR_TAGS.get(tag)
        if convert is None:
            raise _forbidden_tag(tag, *pos)
        try:
            return convert(value)
        except (ValueError, KeyError):
            raise YamlError(
                YAML_SYNTAX,
                *pos,
                f"'{value}' is not a valid {tag.rsplit(':', 1)[-1]}",
                "Fix the value or remove the explicit tag.",
            ) from None

    def _alias(self, event: Any) -> None:
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if event.anchor not in self.anchors:
            raise YamlError(
                YAML_SYNTAX,
                *pos,
                f"alias '*{event.anchor}' names no anchor defined before it",
                "Define the anchor (&name) before using the alias (*name).",
            )
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise YamlError(
                YAML_ALIAS_LIMIT,
                *pos,
                f"aliases expand to more than {self.limits.max_alias_nodes} nodes",
                "Write the repeated content out, or share definitions with $ref instead.",
            )
        self._add(value, size, pos, plain=False)

    def _add(self, value: Any, size: int, pos: tuple[int, int], *, plain: bool,
             node: Node = None) -> None:  # fmt: skip
        stack = self.stack
        if not stack:
            self.root = value
            self.positions.tree = node
            return
        parent = stack[-1]
        parent.size += size
        container = parent.container
        if type(container) is list:
            self._place(parent, len(parent.packed), _pack(*pos), node)
            container.append(value)
            return
        if parent.key is None:
            self._take_key(parent, value, pos, plain=plain)
            return
        key = parent.key
        parent.key = None
        if parent.key_is_merge:
            self._merge(parent, value)
            return
        line = parent.key_at >> COLUMN_BITS
        if key in container:
            if not self.limits.last_key_wins:
                raise self._duplicate(key, parent, pos)
            index = _index(container, key)  # the key keeps its place; its value is the last
            self.repeated.append(((*self._path(len(stack) - 1), key),
                                  parent.packed[index] >> COLUMN_BITS,
                                  line))  # fmt: skip
            self._place(parent, index, parent.key_at, node)
            container[key] = value
            return
        container[key] = value
        self._place(parent, len(parent.packed), parent.key_at, node)

    @staticmethod
    def _place(parent: _Frame, index: int, packed: int, node: Node) -> None:
        """Record that the child at `index` (a new one when it is the next) stands at
        `packed` and has `node`."""
        if index == len(parent.packed):
            parent.packed.append(packed)
            if parent.nested is not None:
                parent.nested.append(node)
        else:
            parent.packed[index] = packed
            if parent.nested is not None:
                parent.nested[index] = node
        if node is not None and parent.nested is None:
            parent.nested = [None] * len(parent.packed)
            parent.nested[index] = node

    def _take_key(self, parent: _Frame, value: Any, pos: tuple[int, int], *, plain: bool) -> None:
        if isinstance(value, (dict, list)):
            raise YamlError(
                YAML_SYNTAX,
                *pos,
                "a mapping key must be a plain value, not a list or mapping",
                "Use a plain name as the key.",
            )
        key = value if isinstance(value, str) else _key_text(value)
        parent.key = key
        parent.key_at = _pack(*pos)
        parent.key_mark = _Mark(pos[0] - 1, pos[1] - 1)
        parent.key_is_merge = key == "<<" and plain

    def _merge(self, parent: _Frame, value: Any) -> None:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(s, dict) for s in sources):
            line, column = _key_position(parent)
            raise YamlError(
                YAML_SYNTAX,
                line,
                column,
                "the merge key '<<' needs a mapping or a list of mappings",
                "Point '<<' at an anchored mapping (<<: *name).",
            )
        parent.merges = [*(parent.merges or ()), *sources]

    def _duplicate(self, key: str, parent: _Frame, pos: tuple[int, int]) -> YamlError:
        first_line = parent.packed[_index(parent.container, key)] >> COLUMN_BITS
        line, column = _key_position(parent)
        return YamlError(
            YAML_DUPLICATE_KEY,
            line,
            column,
            f"key '{key}' is defined twice (first at line {first_line}, again at line {line})",
            "Keep one of the two definitions: YAML would silently drop the first.",
        )


class _Mark(NamedTuple):
    """A position as ruamel's marks hold it (0-based), for keys the slow path reads."""

    line: int
    column: int


def _key_position(frame: _Frame) -> tuple[int, int]:
    mark = frame.key_mark
    return mark.line + 1, mark.column + 1


def _position(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def load_yaml(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse one YAML file safely: plain data only, no object-building tags, bounded cost."""
    if len(raw) > limits.max_bytes:
        raise YamlError(
            YAML_FILE_TOO_LARGE,
            1,
            1,
            f"file is {len(raw):,} bytes, over the limit of {limits.max_bytes:,}",
            "Split the plan into several files below its folder.",
        )
    from registry.load import yamlparser  # here: a command that parses nothing never loads it

    builder = _Builder(limits)
    try:
        data = builder.run(yamlparser.parser(raw))
    except YamlError:
        raise
    except yamlparser.MarkedYAMLError as exc:
        raise _syntax_error(exc, raw) from None
    except yamlparser.YAMLError as exc:  # reader errors (bad encoding) carry no mark
        raise YamlError(
            YAML_SYNTAX, 1, 1, _one_line(str(exc)), "Save the file as UTF-8 text."
        ) from None
    return YamlDocument(data, builder.positions, repeated=builder.repeated)


def _syntax_error(exc: MarkedYAMLError, raw: bytes) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    text_lines = raw.split(b"\n")
    if line > len(text_lines) or not raw.strip() or not b"".join(text_lines[line - 1 :]).strip():
        # The file ended inside something unclosed: point at its last written line.
        line = max((i + 1 for i, t in enumerate(text_lines) if t.strip()), default=1)
        column = 1
    problem = exc.problem or "invalid YAML"
    message = problem
    if exc.context:
        ctx_mark = exc.context_mark
        where = f" started at line {ctx_mark.line + 1}" if ctx_mark is not None else ""
        message = f"{problem} ({exc.context}{where})"
    hint = (
        "Fix the YAML syntax here; quote values that contain ': ', '#' or start with '*', '&', '!'."
    )
    lines = raw.split(b"\n", line)
    if line <= len(lines) and b"\t" in lines[line - 1]:
        hint = "Indent with spaces: YAML does not allow tabs for indentation."
    return YamlError(YAML_SYNTAX, line, column, _one_line(message), hint)


def _one_line(text: str) -> str:
    return " ".join(text.split())
