"""Docker's `--format` for list verbs (volumes, stats, ps): table, json, `table TEMPLATE`, TEMPLATE.

A template is the small part of Go's text/template people use here: `{{.Field}}`,
`{{json .}}`, `{{json .Field}}`, `{{upper .Field}}`, `{{lower .Field}}`, and `\\t`/`\\n` written
as escapes. Tables go through Go's tabwriter as docker/cli sets it (min width 10, padding
3), so columns line up as Docker's do. Anything else in braces is a one-line error.
"""

from __future__ import annotations

import json
import re

from composer.errors import ComposerError

ACTION = re.compile(r"{{-?\s*(.*?)\s*-?}}")
MIN_WIDTH, PADDING = 10, 3  # docker/cli formatter: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)


def render(rows: list[dict], fmt: str, default_table: str, headers: dict[str, str]) -> list[str]:
    """The lines to print for `rows` (dicts of Docker's field names) in format `fmt`;
    `default_table` is the verb's template for plain "table"; `headers` names each field's column."""
    fmt = fmt or "table"
    if fmt == "json":
        return [json.dumps(row, separators=(",", ":")) for row in rows]
    if fmt == "table" or fmt.startswith("table "):
        chosen = default_table if fmt == "table" else fmt
        template = _unescape(chosen[len("table "):] if chosen.startswith("table ") else chosen)
        header = ACTION.sub(lambda m: headers.get(_field(m.group(1)) or "", _field(m.group(1)) or "").upper(), template)
        return tabwrite([header] + [fill(template, row) for row in rows])
    template = _unescape(fmt)
    return tabwrite([fill(template, row) for row in rows]) if "\t" in template else [fill(template, row) for row in rows]


def fill(template: str, row: dict) -> str:
    return ACTION.sub(lambda m: _action(m.group(1), row), template)


def _field(action: str) -> str | None:
    words = action.split()
    return words[-1][1:] if words and words[-1].startswith(".") and words[-1] != "." else None


def _action(action: str, row: dict) -> str:
    words = action.split()
    if len(words) == 1 and words[0] == ".":
        return json.dumps(row, separators=(",", ":"))
    if len(words) == 1 and words[0].startswith("."):
        return _text(_value(words[0], row))
    if len(words) == 2 and words[0] in ("json", "upper", "lower", "title"):
        value = row if words[1] == "." else _value(words[1], row)
        if words[0] == "json":
            return json.dumps(value, separators=(",", ":"))
        return getattr(_text(value), words[0])()
    raise ComposerError(f"template: unsupported action {{{{{action}}}}}", "use {{.Field}}, {{json .}} or {{json .Field}}")


def _value(path: str, row: dict):
    value = row
    for part in path[1:].split("."):
        if not isinstance(value, dict) or part not in value:
            raise ComposerError(f"template: can't evaluate field {part}", f"fields: {', '.join(sorted(row))}")
        value = value[part]
    return value


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _unescape(template: str) -> str:
    return template.replace("\\t", "\t").replace("\\n", "\n")


def tabwrite(lines: list[str]) -> list[str]:
    """Go's tabwriter: a cell ended by a tab is padded to its column's width (text + 3, at
    least 10); the last cell of a line is left as it is."""
    split = [text.split("\t") for text in "\n".join(lines).split("\n")]
    widths: dict[int, int] = {}
    for cells in split:
        for index, cell in enumerate(cells[:-1]):
            widths[index] = max(widths.get(index, 0), max(len(cell) + PADDING, MIN_WIDTH))
    return ["".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[:-1])) + cells[-1] for cells in split]


class OpenChoices(tuple):
    """`--format`'s choices for shell completion (table, json) that still accept any template:
    argparse checks `value in choices`, completion lists them."""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str)


FORMATS = OpenChoices(("table", "json"))
