"""YAML as Compose v2 writes it: 2-space indents, sequences indented under their key,
keys in the model's order, multi-line strings as literal blocks."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _ComposeDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# PyYAML's own `!`/`&`/`*` and `=` tags: plain strings to yaml.v3
_STRING_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:yaml", "tag:yaml.org,2002:value"}
_OLD_BOOLS = {"y", "Y", "n", "N"}  # YAML 1.1 booleans PyYAML does not know but yaml.v3 quotes
_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")  # "03:00": yaml.v3 quotes it too


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        style = "|"
    elif value in _OLD_BOOLS or _BASE60_FLOAT.match(value) or dumper.resolve(yaml.ScalarNode, value, (True, False)) not in _STRING_TAGS:
        style = '"'  # "8080", "true", "" look like other types: quote them as Go's yaml.v3 does
    else:
        analysis = dumper.analyze_scalar(value)  # "*", "!", "a #b" cannot be plain: yaml.v3 single-quotes them
        style = None if analysis.allow_block_plain else "'" if analysis.allow_single_quoted else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ComposeDumper.add_representer(str, _str)
_ComposeDumper.add_multi_representer(dict, yaml.SafeDumper.represent_dict)  # dict subclasses (serialize's GoMap) too


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_ComposeDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 30)
