"""YAML as Compose v2 writes it: 2-space indents, sequences indented under their key,
keys in the model's order, multi-line strings as literal blocks."""

from __future__ import annotations

from typing import Any

import yaml


class _ComposeDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        style = "|"
    elif dumper.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str":
        style = '"'  # "8080", "true", "" look like other types: quote them as Go's yaml.v3 does
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ComposeDumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_ComposeDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 30)
