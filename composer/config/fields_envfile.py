"""`env_file:` — which files a service reads, and their values folded into its environment.

The dotenv syntax and its interpolation are envfile.py's (the same as for `.env`);
`format: raw` takes every `KEY=VALUE` line literally, as Compose does.
"""

from __future__ import annotations

from composer.config.envfile import MAX_ENV_FILE_BYTES, parse_env_text
from composer.config.fields_common import Context, Node, fields
from composer.config.model import EnvFile
from composer.errors import ComposeError


def env_files(node: Node, context: Context) -> tuple[EnvFile, ...] | None:
    """`env_file: a.env`, a list of paths, or a list of {path, required, format}."""
    if isinstance(node.value, str):
        return (EnvFile(context.host_path(node.value)),)
    return node.each(lambda entry: _env_file(entry, context))


def _env_file(entry: Node, context: Context) -> EnvFile | None:
    if isinstance(entry.value, str):
        return EnvFile(context.host_path(entry.value))
    values = fields(entry, {"path": Node.string, "required": Node.boolean, "format": lambda n: n.one_of(("raw",))})
    if values is None:
        return None
    if "path" not in values:
        if isinstance(entry.value, dict) and "path" not in entry.value:
            entry.error("is missing 'path'", "add path: FILE")
        return None
    return EnvFile(context.host_path(values["path"]), values.get("required", True), values.get("format"))


def read_service_env_files(node: Node, files: tuple[EnvFile, ...], environment: dict[str, str]) -> dict[str, str]:
    """The variables the files set, later files winning; problems are reported at `node`."""
    values: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        found = environment.get(name)
        return found if found is not None else values.get(name)

    for env_file in files:
        text = _read(node, env_file)
        if text is None:
            continue
        if env_file.format == "raw":
            values.update(_raw_values(text))
            continue
        try:
            values.update(parse_env_text(text, env_file.path, lookup, node.warnings))
        except ComposeError as exc:
            node.problems.extend(exc.problems)
    return values


def _read(node: Node, env_file: EnvFile) -> str | None:
    try:
        with open(env_file.path, "rb") as handle:
            data = handle.read(MAX_ENV_FILE_BYTES + 1)
    except FileNotFoundError:
        if env_file.required:
            node.error(f"env file {env_file.path} not found", "create it, or mark it required: false")
        return None
    except OSError as exc:
        node.error(f"cannot read env file {env_file.path}: {exc.strerror}", "check the path and its permissions")
        return None
    if len(data) > MAX_ENV_FILE_BYTES:
        node.error(f"env file {env_file.path} is over {MAX_ENV_FILE_BYTES} bytes", "check it is an env file")
        return None
    return data.decode("utf-8", errors="replace")


def _raw_values(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, found, value = line.partition("=")
        if found and key.strip() and not key.lstrip().startswith("#"):
            values[key.strip()] = value
    return values
