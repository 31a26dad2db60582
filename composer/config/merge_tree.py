"""Copying and cleaning marked YAML trees, for merge.py and merge_unique.py."""

from __future__ import annotations

from typing import Any

from composer.config.source import Mark, MarkedDict, MarkedList, Override, Reset


def copy_tree(value: Any) -> Any:
    """A deep copy that keeps marks (and markers)."""
    if isinstance(value, MarkedDict):
        result = MarkedDict(((key, copy_tree(item)) for key, item in value.items()), mark=value.mark)
        result.key_marks.update(value.key_marks)
        return result
    if isinstance(value, MarkedList):
        result_list = MarkedList((copy_tree(item) for item in value), mark=value.mark)
        result_list.item_marks.extend(value.item_marks)
        return result_list
    if isinstance(value, (Reset, Override)):
        return type(value)(copy_tree(value.value), value.mark)
    return value


def strip_markers(value: Any) -> Any:
    """Apply markers with nothing under them: !reset keys vanish, !override is unwrapped."""
    if isinstance(value, Override):
        return strip_markers(value.value)
    if isinstance(value, MarkedDict):
        result = MarkedDict(mark=value.mark)
        for key, item in value.items():
            if not isinstance(item, Reset):
                result[key] = strip_markers(item)
                result.key_marks[key] = value.mark_of(key)
        return result
    if isinstance(value, MarkedList):
        result_list = MarkedList(mark=value.mark)
        for index, item in enumerate(value):
            if not isinstance(item, Reset):
                result_list.append(strip_markers(item))
                result_list.item_marks.append(value.mark_of(index))
        return result_list
    return value


def marked_list(items: list[tuple[Any, Mark]], mark: Mark) -> MarkedList:
    result = MarkedList((item for item, _ in items), mark=mark)
    result.item_marks.extend(item_mark for _, item_mark in items)
    return result


def items_of(value: MarkedList) -> list[tuple[Any, Mark]]:
    return [(item, value.mark_of(index)) for index, item in enumerate(value)]
