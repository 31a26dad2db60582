"""Merging compose files (and extended services) by the Compose rules, keeping marks.

As compose-go's `override` package: mappings merge recursively; a later scalar replaces;
a later null keeps the earlier value; plain sequences are appended. Special keys:
- command, entrypoint, healthcheck.test, ulimits.<name>: replaced whole;
- environment, labels, annotations, sysctls, build.args/labels/additional_contexts,
  deploy.labels, networks/volumes.<name>.labels: merged as mappings (KEY=VALUE lists
  are converted);
- depends_on, networks, models: merged as mappings (lists of names are converted;
  depends_on names get condition service_started, required true);
- dns, dns_opt, dns_search, tmpfs, env_file, label_file, extra_hosts: made sequences
  (a string is one item, a mapping becomes KEY=VALUE items) and appended;
- build: a string is `{context: ...}`; logging: merged only when the drivers agree;
- networks.<name>.ipam.config: merged by subnet.
`!reset` drops the earlier value (and the key), `!override` replaces it unmerged.
Afterwards `enforce_unicity` (merge_unique.py) keeps one item per key in the lists
Compose treats as sets.

Result containers are new MarkedDict/MarkedList; each key and item keeps the Mark of the
file that provided it (a merged mapping keeps its earlier key mark).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from composer.config.merge_tree import copy_tree, items_of, marked_list, strip_markers
from composer.config.source import Mark, MarkedDict, MarkedList, Override, Reset
from composer.errors import Problem, key_path

Path = tuple[str, ...]
_DROP = object()  # a !reset with nothing to keep


def _split_pair(text: str, separators: str) -> tuple[str, str | None]:
    cut = min((text.find(sep) for sep in separators if sep in text), default=-1)
    return (text, None) if cut < 0 else (text[:cut], text[cut + 1 :])


def _as_mapping(value: Any, mark: Mark) -> MarkedDict | None:
    """KEY=VALUE lists (or one such string) as a mapping; None when the value is neither."""
    if isinstance(value, MarkedDict):
        return value
    if isinstance(value, str):
        value = marked_list([(value, mark)], mark)
    if not isinstance(value, MarkedList) or not all(isinstance(item, str) for item in value):
        return None
    result = MarkedDict(mark=value.mark)
    for item, item_mark in items_of(value):
        key, item_value = _split_pair(item, "=")
        result[key] = item_value
        result.key_marks[key] = item_mark
    return result


def _names_mapping(value: Any, default: Callable[[Mark], Any]) -> MarkedDict | None:
    """A list of names as {name: default}; a mapping as it is."""
    if isinstance(value, MarkedDict):
        return value
    if not isinstance(value, MarkedList) or not all(isinstance(item, str) for item in value):
        return None
    result = MarkedDict(mark=value.mark)
    for item, item_mark in items_of(value):
        result[item] = default(item_mark)
        result.key_marks[item] = item_mark
    return result


def _depends_on_default(mark: Mark) -> MarkedDict:
    result = MarkedDict({"condition": "service_started", "required": True}, mark=mark)
    result.key_marks.update({"condition": mark, "required": mark})
    return result


def _as_sequence(value: Any, mark: Mark) -> MarkedList | None:
    if isinstance(value, MarkedList):
        return value
    if isinstance(value, str):
        return marked_list([(value, mark)], mark)
    if isinstance(value, MarkedDict):
        items: list[tuple[Any, Mark]] = []
        for key in sorted(value, key=str):
            values = value[key] if isinstance(value[key], list) else [value[key]]
            items.extend((key if item is None else f"{key}={item}", value.mark_of(key)) for item in values)
        return marked_list(items, value.mark)
    return None


def _host_entry(item: Any) -> Any:
    if not isinstance(item, str):
        return item
    host, address = _split_pair(item.replace(" ", ""), "=:")
    return host if address is None else f"{host}={address}"


class _Merger:
    """One merge. keep_markers=True (for extends) leaves !reset/!override in the result
    so that merging the file afterwards applies them to earlier files too.

    Rules get (base, over, path, mark): `mark` is where the later value's key is.
    """

    def __init__(self, problems: list[Problem], keep_markers: bool) -> None:
        self.problems = problems
        self.keep_markers = keep_markers

    def fresh(self, value: Any) -> Any:
        """A value with nothing earlier to merge with."""
        if self.keep_markers:
            return copy_tree(value)
        return _DROP if isinstance(value, Reset) else strip_markers(value)

    def merge(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        if isinstance(over, Reset):
            return copy_tree(over) if self.keep_markers else _DROP
        if isinstance(over, Override):
            return Override(strip_markers(over.value), over.mark) if self.keep_markers else strip_markers(over.value)
        rule = _RULES.get(_pattern(path))
        if rule is not None and over is not None:
            return rule(self, base, over, path, mark)
        return self.default(base, over, path, mark)

    def default(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        if over is None:
            return base
        if isinstance(base, MarkedDict):
            return self.mapping(base, over, path) if isinstance(over, MarkedDict) else self.cannot(base, over, path, mark)
        if isinstance(base, MarkedList):
            if isinstance(over, MarkedList):
                return marked_list(items_of(base) + items_of(self.fresh(over)), base.mark)
            return self.cannot(base, over, path, mark)
        return self.fresh(over)

    def cannot(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        kinds = {MarkedDict: "a mapping", MarkedList: "a list"}
        where = f" in {base.mark.file}" if base.mark.file else ""
        self.problems.append(
            Problem(mark.location(key_path(*path)), f"is {kinds.get(type(over), 'a scalar')} here but {kinds[type(base)]}{where}", "write it in the same form in every file")
        )
        return base

    def mapping(self, base: MarkedDict, over: MarkedDict, path: Path) -> MarkedDict:
        result = MarkedDict(base.items(), mark=base.mark)
        result.key_marks.update(base.key_marks)
        for key, value in over.items():
            over_mark = over.mark_of(key)
            merged = self.merge(base[key], value, (*path, str(key)), over_mark) if key in base else self.fresh(value)
            if merged is _DROP:
                result.pop(key, None)
                result.key_marks.pop(key, None)
                continue
            # a container built on the earlier one keeps the earlier key's mark
            merged_into_base = key in base and getattr(merged, "mark", None) is getattr(base[key], "mark", False)
            result[key] = merged
            result.key_marks[key] = base.mark_of(key) if merged_into_base else over_mark
        return result

    def replace(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        return self.fresh(over)

    def as_mapping(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        left, right = _as_mapping(base, mark), _as_mapping(over, mark)
        if left is None or right is None:
            return self.fresh(over)
        result = MarkedDict(left.items(), mark=left.mark)
        result.key_marks.update(left.key_marks)
        for key, value in right.items():
            result[key] = self.fresh(value)
            result.key_marks[key] = right.mark_of(key)
        return result

    def names(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        default = _depends_on_default if path[-1] == "depends_on" else (lambda _: None)
        left, right = _names_mapping(base, default), _names_mapping(over, default)
        return self.fresh(over) if left is None or right is None else self.mapping(left, right, path)

    def sequence(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        left, right = _as_sequence(base, mark), _as_sequence(over, mark)
        if left is None or right is None:
            return self.fresh(over)
        return marked_list(items_of(left) + items_of(self.fresh(right)), left.mark)

    def extra_hosts(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        left, right = _as_sequence(base, mark), _as_sequence(over, mark)
        if left is None or right is None:
            return self.fresh(over)
        known = {_host_entry(item) for item in left if isinstance(item, str)}
        added = [(item, item_mark) for item, item_mark in items_of(right) if not isinstance(item, str) or _host_entry(item) not in known]
        return marked_list(items_of(left) + added, left.mark)

    def build(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        def as_build(value: Any) -> Any:
            if not isinstance(value, str):
                return value
            result = MarkedDict({"context": value}, mark=mark)
            result.key_marks["context"] = mark
            return result

        left, right = as_build(base), as_build(over)
        if isinstance(left, MarkedDict) and isinstance(right, MarkedDict):
            return self.mapping(left, right, path)
        return self.default(left, right, path, mark)

    def logging(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        if isinstance(base, MarkedDict) and isinstance(over, MarkedDict):
            same = "driver" not in base or "driver" not in over or base["driver"] == over["driver"]
            return self.mapping(base, over, path) if same else self.fresh(over)
        return self.default(base, over, path, mark)

    def by_subnet(self, base: Any, over: Any, path: Path, mark: Mark) -> Any:
        if not isinstance(base, MarkedList) or not isinstance(over, MarkedList):
            return self.default(base, over, path, mark)
        items = items_of(base)
        for item, item_mark in items_of(self.fresh(over)):
            subnet = item.get("subnet") if isinstance(item, MarkedDict) else None
            index = next((i for i, (old, _) in enumerate(items) if subnet is not None and isinstance(old, MarkedDict) and old.get("subnet") == subnet), -1)
            if index < 0:
                items.append((item, item_mark))
            else:
                items[index] = (self.mapping(items[index][0], item, (*path, str(index))), item_mark)
        return marked_list(items, base.mark)


def _pattern(path: Path) -> Path:
    """Collection member names become '*' (services.web.ulimits.nofile → services.*.ulimits.*)."""
    if len(path) < 2:
        return path
    parts = [path[0], "*", *path[2:]]
    if len(parts) == 4 and parts[2] == "ulimits":
        parts[3] = "*"
    return tuple(parts)


_M = _Merger
_SERVICE_RULES: dict[str, Callable[[_Merger, Any, Any, Path, Mark], Any]] = {
    **dict.fromkeys(("command", "entrypoint", "healthcheck.test", "ulimits.*"), _M.replace),
    **dict.fromkeys(("environment", "labels", "annotations", "sysctls", "deploy.labels"), _M.as_mapping),
    **dict.fromkeys(("build.args", "build.labels", "build.additional_contexts"), _M.as_mapping),
    **dict.fromkeys(("depends_on", "networks", "models"), _M.names),
    **dict.fromkeys(("dns", "dns_opt", "dns_search", "tmpfs", "env_file", "label_file"), _M.sequence),
    **dict.fromkeys(("extra_hosts", "build.extra_hosts"), _M.extra_hosts),
    "build": _M.build,
    "logging": _M.logging,
}
_RULES: dict[Path, Callable[[_Merger, Any, Any, Path, Mark], Any]] = {
    ("services", "*", *name.split(".")): rule for name, rule in _SERVICE_RULES.items()
}
_RULES[("networks", "*", "labels")] = _M.as_mapping
_RULES[("volumes", "*", "labels")] = _M.as_mapping
_RULES[("networks", "*", "ipam", "config")] = _M.by_subnet


def merge_models(base: MarkedDict, over: MarkedDict, problems: list[Problem]) -> MarkedDict:
    """One more file over the files before it; the result has no markers left."""
    return strip_markers(_Merger(problems, keep_markers=False).mapping(base, over, ()))


def extend_service(base: MarkedDict, service: MarkedDict, name: str, problems: list[Problem]) -> MarkedDict:
    """`service` over the service it extends; its own !reset/!override stay for the file merge."""
    return _Merger(problems, keep_markers=True).mapping(strip_markers(base), service, ("services", name))
