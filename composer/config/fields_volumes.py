"""`services.*.volumes`: short syntax `[SOURCE:]TARGET[:OPTIONS]` and long syntax → Mount.

A short source starting with `.`, `/` or `~` is a bind of a host path (resolved against
the project dir, created if missing, as Compose does); any other source names a project
volume; no source is an anonymous volume.
"""

from __future__ import annotations

import posixpath
from typing import Any

from composer.config.fields_common import Context, Node, fields
from composer.config.model import BindOptions, Mount, TmpfsOptions, VolumeOptions

MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe", "image", "cluster")
PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")
SHORT_SYNTAX_HINT = "use [SOURCE:]TARGET[:ro|rw|nocopy|z|Z|PROPAGATION], like ./data:/data:ro"


class VolumeSyntaxError(ValueError):
    pass


def is_host_path(source: str) -> bool:
    """Compose's test: `.`, `/`, `~`, a Windows drive (`C:`) or a named pipe (`\\\\`)."""
    return source[:1] in (".", "/", "~") or source.startswith("\\\\") or (len(source) >= 2 and source[0].isalpha() and source[1] == ":")


def split_volume_spec(spec: str) -> list[str]:
    """The colon-separated parts, as Compose reads them: a drive letter's colon (`C:`)
    and colons inside `${…}` do not separate."""
    parts: list[str] = []
    buffer, depth = "", 0
    for index, char in enumerate(spec + "\0"):
        if char == "$" and spec[index + 1 : index + 2] == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == ":" and len(buffer) == 1 and buffer.isalpha():
            pass  # a Windows drive letter
        elif char in ":\0" and not depth:
            parts.append(buffer)
            buffer = ""
            continue
        buffer += char
    return parts


def parse_volume_spec(spec: str, context: Context) -> Mount:
    """'./data:/data:ro' → Mount(type='bind', …), as Compose parses it. Raises VolumeSyntaxError."""
    if not spec:
        raise VolumeSyntaxError("it is empty")
    if len(spec) <= 2:  # Compose takes it whole as the target of an anonymous volume
        return Mount(type="volume", target=clean_target(spec))
    parts = split_volume_spec(spec)
    if any(part == "" for part in parts):
        raise VolumeSyntaxError("an empty part between colons")
    if len(parts) > 3:
        raise VolumeSyntaxError("too many colons")
    if len(parts) == 1:
        return Mount(type="volume", target=clean_target(parts[0]), volume=VolumeOptions())
    source, target = parts[0], clean_target(parts[1])
    read_only, nocopy, selinux, propagation = _short_options(parts[2] if len(parts) == 3 else "")
    volume = VolumeOptions(nocopy=True) if nocopy else None
    if is_host_path(source):
        bind = BindOptions(propagation=propagation, create_host_path=True, selinux=selinux)
        return Mount(type="bind", source=context.host_path(source), target=target, read_only=read_only, bind=bind, volume=volume)
    # Compose keeps z/Z/propagation on a named volume too (the engine applies them).
    bind = BindOptions(propagation=propagation, create_host_path=False, selinux=selinux) if selinux or propagation else None
    return Mount(type="volume", source=source, target=target, read_only=read_only, bind=bind, volume=volume or VolumeOptions())


def clean_target(target: str) -> str:
    """Compose cleans the container path (path.Clean): no trailing slash, no `..`/`.` parts."""
    return posixpath.normpath(target).replace("//", "/") if target else "."


def _short_options(text: str) -> tuple[bool, bool, str | None, str | None]:
    """ro/rw, nocopy, z/Z and a propagation; Compose ignores any other option, and so do we."""
    read_only, nocopy, selinux, propagation = False, False, None, None
    for option in text.split(","):
        if option in ("ro", "rw"):
            read_only = option == "ro"
        elif option == "nocopy":
            nocopy = True
        elif option in ("z", "Z"):
            selinux = option
        elif option in PROPAGATIONS:
            propagation = option
    return read_only, nocopy, selinux, propagation


def mounts(node: Node, context: Context) -> tuple[Mount, ...] | None:
    return node.each(lambda entry: _mount(entry, context))


def _mount(entry: Node, context: Context) -> Mount | None:
    if isinstance(entry.value, dict):
        return _long_mount(entry, context)
    text = entry.string()
    if text is None:
        return None
    try:
        return parse_volume_spec(text, context)
    except VolumeSyntaxError as exc:
        entry.error(f"{text!r} is not a volume: {exc}", SHORT_SYNTAX_HINT)
        return None


def _mode(node: Node) -> int | None:
    """File mode bits: a YAML number (01777 is octal in YAML 1.1) or an octal string."""
    if isinstance(node.value, str):
        try:
            return int(node.value, 8)
        except ValueError:
            node.error(f"{node.value!r} is not an octal file mode", "write it like 0755")
            return None
    return node.integer(minimum=0)


_BIND = {
    "propagation": lambda n: n.one_of(PROPAGATIONS),
    "create_host_path": Node.boolean,
    "selinux": lambda n: n.one_of(("z", "Z")),
    "recursive": lambda n: n.one_of(("enabled", "disabled", "writable", "readonly")),
}
_VOLUME = {"nocopy": Node.boolean, "subpath": Node.string, "labels": lambda n: n.string_mapping()}
_TMPFS = {"size": Node.size, "mode": _mode}


def _sub_options(node: Node, handlers: dict, kind: type, keep: tuple[str, ...], **defaults: Any) -> Any:
    values = fields(node, handlers) if node.value is not None else {}
    if values is None:
        return None
    return kind(**{**defaults, **{key: value for key, value in values.items() if key in keep}})


def _image_subpath(node: Node) -> str | None:
    entries = node.mapping(("subpath",)) if node.value is not None else None
    return entries["subpath"].string() if entries and "subpath" in entries else None


def _long_mount(entry: Node, context: Context) -> Mount | None:
    handlers = {
        "type": lambda n: n.one_of(MOUNT_TYPES),
        "source": Node.string,
        "target": Node.string,
        "read_only": Node.boolean,
        "consistency": Node.string,
        # In long syntax a bind creates no missing host path unless asked (Compose v2.40).
        "bind": lambda n: _sub_options(n, _BIND, BindOptions, ("propagation", "create_host_path", "selinux"), create_host_path=False),
        "volume": lambda n: _sub_options(n, _VOLUME, VolumeOptions, ("nocopy", "subpath")),
        "tmpfs": lambda n: _sub_options(n, _TMPFS, TmpfsOptions, ("size", "mode")),
        "image": _image_subpath,
    }
    values = fields(entry, handlers, renames={"image": "image_subpath"})
    if values is None:
        return None
    for required in ("type", "target"):
        if required not in values:
            if required not in entry.value:
                entry.error(f"is missing {required!r}", f"add {required}: …")
            return None
    if values["type"] == "bind":
        if "source" not in values:
            entry.error("a bind mount needs a source", "add source: HOST_PATH")
            return None
        values["source"] = context.host_path(values["source"])
    values["target"] = clean_target(values["target"])
    return Mount(**values)
