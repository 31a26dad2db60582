"""Read YAML keeping where every key and item came from.

The only module that imports yaml for compose files. Mappings become MarkedDict and
sequences MarkedList: ordinary dicts and lists that also remember the Mark (file,
line, column) of each key/item, so later stages can say `compose.yaml:14:5:
services.web.ports[0]: ...`. Scalars stay plain Python values.

Compose's `!reset` and `!override` tags become Reset/Override wrappers that merge.py
unwraps. Duplicate keys are an error (as in Compose v2). Exponential alias expansion
("billion laughs") and oversized files are refused before anything walks the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from composer.errors import ComposeError, Location, Problem

# A 1,000-service file is ~1 MiB and ~100k nodes. Past 4 MiB, printing the project back
# (`config`, PyYAML's pure-Python emitter) takes seconds: refuse instead, in milliseconds.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 200  # compose files nest ~6 deep; deeper is hostile, and the walks below recurse
# libyaml's composer recurses in C: ~30,000 levels overflow the stack (a crash, not an error).
# Every level needs one of these characters, so a file with fewer cannot get there.
_NESTING_INDICATORS = "[{-:?"
_NESTING_SCAN_FROM = 5_000

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Mark:
    file: str | None
    line: int  # 1-based
    column: int  # 1-based

    def location(self, key_path: str = "") -> Location:
        return Location(self.file, self.line, self.column, key_path)


NO_MARK = Mark(None, 0, 0)


class MarkedDict(dict):
    """A dict that remembers the Mark of itself and of each of its keys."""

    __slots__ = ("mark", "key_marks")

    def __init__(self, *args: Any, mark: Mark = NO_MARK, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}

    def mark_of(self, key: Any) -> Mark:
        return self.key_marks.get(key, self.mark)


class MarkedList(list):
    """A list that remembers the Mark of itself and of each item."""

    __slots__ = ("mark", "item_marks")

    def __init__(self, *args: Any, mark: Mark = NO_MARK) -> None:
        super().__init__(*args)
        self.mark = mark
        self.item_marks: list[Mark] = []

    def mark_of(self, index: int) -> Mark:
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index]
        return self.mark


@dataclass
class Reset:
    """`!reset` — drop whatever earlier files said for this key."""

    value: Any
    mark: Mark = NO_MARK


@dataclass
class Override:
    """`!override` — replace the earlier value instead of merging with it."""

    value: Any
    mark: Mark = NO_MARK


def mark_of(container: Any, key: Any) -> Mark:
    """The Mark of `container[key]` when known, else of the container, else NO_MARK."""
    if isinstance(container, (MarkedDict, MarkedList)):
        return container.mark_of(key)
    return NO_MARK


@dataclass
class Source:
    """One compose file as read: its path (or '-' / a label) and its data."""

    path: str
    data: Any
    more: tuple[Any, ...] = ()  # the documents after the first (`---`): Compose merges each over the one before


def _mark(node: yaml.Node, file: str | None) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _yaml12_resolvers() -> dict:
    """PyYAML resolves YAML 1.1 scalars: `no` is false and `22:22` is 1342 (base 60).
    Compose reads YAML 1.2 (Go's yaml.v3), where both stay strings; so do we."""
    import re

    resolvers: dict = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        resolvers[first] = kept
    rules = {
        "tag:yaml.org,2002:bool": (re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
        "tag:yaml.org,2002:int": (re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
        "tag:yaml.org,2002:float": (
            re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
            "-+.0123456789",
        ),
    }
    for tag, (regexp, firsts) in rules.items():
        for first in firsts:
            resolvers.setdefault(first, []).append((tag, regexp))
    return resolvers


class _MarkingLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    file_label: str | None = None
    yaml_implicit_resolvers = _yaml12_resolvers()

    def construct_marked_mapping(self, node: yaml.MappingNode) -> MarkedDict:
        self.flatten_mapping(node)  # YAML merge keys (<<)
        result = MarkedDict(mark=_mark(node, self.file_label))
        seen: dict[Any, Mark] = {}  # explicit keys only
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise _problem(key_node, self.file_label, "a mapping key must be a scalar")
            if not isinstance(key, str):  # Compose refuses them: "non-string key in …"
                raise _problem(key_node, self.file_label, f"non-string key {key!r}", f'quote it: "{key}"')
            key_mark = _mark(key_node, self.file_label)
            if not getattr(key_node, "_from_merge", False):
                if key in seen:
                    raise _problem(
                        key_node,
                        self.file_label,
                        f"mapping key {key!r} already defined at line {seen[key].line}",
                        "remove one of them",
                    )
                seen[key] = key_mark
            result[key] = self.construct_object(value_node, deep=True)
            result.key_marks[key] = key_mark
        return result

    def construct_marked_sequence(self, node: yaml.SequenceNode) -> MarkedList:
        result = MarkedList(mark=_mark(node, self.file_label))
        for child in node.value:
            result.append(self.construct_object(child, deep=True))
            result.item_marks.append(_mark(child, self.file_label))
        return result

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # Keys brought in by `<<` may repeat the mapping's own keys (the later, explicit
        # ones win): only repeats among the explicit keys are duplicates.
        explicit = {id(key_node) for key_node, _ in node.value}
        super().flatten_mapping(node)
        merged_keys = set()
        for key_node, _ in node.value:
            if id(key_node) not in explicit:
                key_node._from_merge = True  # type: ignore[attr-defined]
                merged_keys.add(getattr(key_node, "value", None))
        # Compose drops a `!reset` key before resolving `<<`, so the merged value stays.
        node.value = [(k, v) for k, v in node.value if not (id(k) in explicit and v.tag == "!reset" and k.value in merged_keys)]


def _construct_tagged(wrapper: type):
    def construct(loader: _MarkingLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            value = loader.construct_marked_mapping(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_marked_sequence(node)
        else:
            value = loader.construct_scalar(node)
        return wrapper(value, _mark(node, loader.file_label))

    return construct


_MarkingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _MarkingLoader.construct_marked_mapping)
_MarkingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _MarkingLoader.construct_marked_sequence)
def _construct_int(loader: _MarkingLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith(("0o", "0x")):
        return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
    if len(digits) > 1 and digits.startswith("0") and set(digits) <= set("01234567"):
        return sign * int(digits, 8)  # legacy octal (file modes such as 0755), as yaml.v3 reads it
    return sign * int(digits, 10)


_MarkingLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_MarkingLoader.add_constructor("!reset", _construct_tagged(Reset))
_MarkingLoader.add_constructor("!override", _construct_tagged(Override))


class _ProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _problem(node: yaml.Node, file: str | None, message: str, hint: str = "") -> _ProblemError:
    return _ProblemError(Problem(_mark(node, file).location(), message, hint))


def _expanded_size(root: yaml.Node) -> int:
    """Node count with aliases expanded, memoized per node so bombs are measured cheaply.
    Nesting deeper than MAX_DEPTH is refused here too, at the node where it goes too deep."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # being measured: meeting one again is an alias cycle
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 0)]
    while stack:
        node, children_done, depth = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
            open_nodes.discard(id(node))
            continue
        if id(node) in open_nodes:
            raise _CycleError(node)
        if depth > MAX_DEPTH:
            raise _DepthError(node)
        open_nodes.add(id(node))
        stack.append((node, True, depth))
        stack.extend((c, False, depth + 1) for c in children if id(c) not in sizes)
    return sizes[id(root)]


class _DepthError(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _CycleError(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def read_source(text: str | bytes, label: str) -> Source:
    """Parse a YAML file (every document in it). Raises ComposeError naming file, line and column."""
    if len(text) > MAX_FILE_BYTES:
        raise ComposeError(
            Problem(Location(label), f"file is over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit for a compose file", "split it or check it is a compose file")
        )
    loader = _MarkingLoader(text)
    loader.file_label = label
    try:
        _check_nesting(text, label)
        nodes = []
        while loader.check_node():  # Compose reads every document of a file (`---`), in order
            nodes.append(loader.get_node())
        nodes = [node for node in nodes if node is not None]
        if not nodes:
            return Source(label, MarkedDict(mark=Mark(label, 1, 1)))
        for node in nodes:
            _check_size(node, label)
        documents = [loader.construct_document(node) for node in nodes]
    except _CycleError as exc:
        raise ComposeError(Problem(_mark(exc.node, label).location(), "an alias refers to a node that contains it (a cycle)", "remove the cycle between the anchor and its alias")) from None
    except _DepthError as exc:
        raise ComposeError(Problem(_mark(exc.node, label).location(), f"YAML nesting is deeper than {MAX_DEPTH} levels", "flatten the structure")) from None
    except _ProblemError as exc:
        raise ComposeError(exc.problem) from None
    except yaml.reader.ReaderError as exc:  # not UTF-8/16 text, or control characters: binary
        raise ComposeError(_reader_problem(exc, text, label)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(label, mark.line + 1, mark.column + 1) if mark else Location(label)
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise ComposeError(Problem(where, f"YAML syntax error: {what}", "fix the YAML syntax")) from None
    except yaml.YAMLError as exc:
        raise ComposeError(Problem(Location(label), f"YAML error: {exc}")) from None
    except RecursionError:
        raise ComposeError(Problem(Location(label), "YAML nesting is too deep")) from None
    except (ValueError, TypeError) as exc:  # a scalar the constructors could not convert
        raise ComposeError(Problem(Location(label), f"YAML value error: {exc}")) from None
    finally:
        loader.dispose()
    return Source(label, documents[0], tuple(documents[1:]))


def _check_nesting(text: str | bytes, label: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH from the event stream, before libyaml composes
    (and recurses); only for files with enough indicator characters to get that deep."""
    indicators = _NESTING_INDICATORS.encode() if isinstance(text, bytes) else _NESTING_INDICATORS
    if sum(text.count(indicators[i : i + 1]) for i in range(len(indicators))) <= _NESTING_SCAN_FROM:  # type: ignore[arg-type]
        return
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                where = Location(label, event.start_mark.line + 1, event.start_mark.column + 1)
                raise ComposeError(Problem(where, f"YAML nesting is deeper than {MAX_DEPTH} levels", "flatten the structure"))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _reader_problem(exc: yaml.reader.ReaderError, text: str | bytes, label: str) -> Problem:
    """Where the reader stopped, as file:line:column (its own message spans two lines)."""
    before = text[: max(exc.position, 0)]
    newline = b"\n" if isinstance(before, bytes) else "\n"
    line = before.count(newline) + 1  # type: ignore[arg-type]
    column = len(before) - (before.rfind(newline) + 1) + 1  # type: ignore[arg-type]
    character = exc.character if isinstance(exc.character, int) else ord(exc.character)
    if "UTF" in str(exc.reason) or "utf" in str(exc.reason):
        byte = f" (byte 0x{character:02x})" if character >= 0 else ""  # -1: cut off at the end
        what = f"not UTF-8 text: {exc.reason}{byte}"
    else:
        what = f"character U+{character:04X} is not allowed in YAML ({exc.reason})"
    return Problem(Location(label, line, column), what, "is this a compose file? save it as UTF-8 text")


def _check_size(node: yaml.Node, label: str) -> None:
    if _expanded_size(node) > MAX_EXPANDED_NODES:
        raise ComposeError(
            Problem(
                _mark(node, label).location(),
                f"the YAML expands to more than {MAX_EXPANDED_NODES} nodes through aliases",
                "this looks like an alias bomb; remove the nested anchors",
            )
        )


def read_file(path: str) -> Source:
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ComposeError(Problem(Location(path), f"cannot read file: {exc.strerror}")) from None
    return read_source(text, path)
