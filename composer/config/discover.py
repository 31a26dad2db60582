"""Which compose files, which project directory, which environment, which project name.

Follows `docker compose` (compose-go's cli options, applied in the same order):
1. the `.env` of the first guess at the project directory (--project-directory, else the
   first -f file's directory, else the working directory), or the --env-file files;
2. the files: -f, else COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR or os.pathsep;
   relative entries are relative to the working directory), else the first directory,
   walking up from there, holding a compose file (plus its override file);
3. the project directory: --project-directory, else the first file's directory;
4. that directory's `.env`, when it is another file than in step 1.
The process environment wins over every env file, and earlier env files over later
discovery (values already set are kept), exactly as Compose merges them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from composer.config.envfile import read_env_files
from composer.config.options import LoadOptions
from composer.errors import ComposeError, Location, Problem

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = ("compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml")
MAX_COMPOSE_FILES = 64
STDIN = "-"

_NAME_CHARS = re.compile(r"[a-z0-9_-]")
_TRUE = {"1", "t", "true", "y", "yes", "on"}


@dataclass
class Discovery:
    files: list[str]  # absolute paths, or "-" for standard input
    project_dir: Path  # absolute
    environment: dict[str, str]  # process environment over env-file values
    warnings: list[str] = field(default_factory=list)


def display_path(path: str | Path, cwd: str) -> str:
    """A path as users like to read it: relative when under the working directory."""
    text = str(path)
    if text == STDIN:
        return "<stdin>"
    relative = os.path.relpath(text, cwd)
    return text if relative.startswith("..") else relative


def discover(options: LoadOptions) -> Discovery:
    """Find the files, the project directory and the environment. Raises ComposeError."""
    environment = dict(options.environ)
    environment.setdefault("PWD", options.cwd)  # as Compose: ${PWD} is the working directory even when no shell set it
    warnings: list[str] = []
    first_guess = _working_dir(options, list(options.files))
    first_env_files = _env_files(options, first_guess)
    _merge_missing(environment, read_env_files(first_env_files, environment, warnings, _labeler(options)))
    files = list(options.files) or _files_from_environment(options, environment) or _search_upward(first_guess, warnings, options.cwd)
    if len(files) > MAX_COMPOSE_FILES:
        raise ComposeError(Problem(Location("--file"), f"{len(files)} compose files given; at most {MAX_COMPOSE_FILES} are supported", "merge some of them"))
    files = [name if name == STDIN else os.path.abspath(os.path.join(options.cwd, name)) for name in files]
    project_dir = _working_dir(options, files)
    second_env_files = _env_files(options, project_dir)
    if second_env_files != first_env_files:
        _merge_missing(environment, read_env_files(second_env_files, environment, warnings, _labeler(options)))
    return Discovery(files, project_dir, environment, warnings)


def _labeler(options: LoadOptions) -> Callable[[str], str]:
    return lambda path: display_path(path, options.cwd)


def _merge_missing(environment: dict[str, str], values: dict[str, str]) -> None:
    for key, value in values.items():
        environment.setdefault(key, value)


def _working_dir(options: LoadOptions, files: list[str]) -> Path:
    if options.project_directory:
        return Path(os.path.abspath(os.path.join(options.cwd, options.project_directory)))
    for name in files:
        if name != STDIN:
            return Path(os.path.dirname(os.path.abspath(os.path.join(options.cwd, name))))
    return Path(os.path.abspath(options.cwd))


def _env_files(options: LoadOptions, directory: Path) -> list[str]:
    if options.env_files:
        return [os.path.abspath(os.path.join(options.cwd, name)) for name in options.env_files]
    if options.environ.get("COMPOSE_DISABLE_ENV_FILE", "").strip().lower() in _TRUE:
        return []
    default = directory / ".env"
    return [str(default)] if default.is_file() else []


def _files_from_environment(options: LoadOptions, environment: dict[str, str]) -> list[str]:
    value = environment.get("COMPOSE_FILE", "")
    if not value:
        return []
    separator = environment.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    files = [entry for entry in value.split(separator) if entry]
    for entry in files:
        if entry != STDIN and not os.path.isfile(os.path.join(options.cwd, entry)):
            raise ComposeError(Problem(Location("COMPOSE_FILE"), f"{entry}: no such file", "fix COMPOSE_FILE or create the file"))
    return files


def _search_upward(start: Path, warnings: list[str], cwd: str) -> list[str]:
    directory = start
    while True:
        found = [str(directory / name) for name in COMPOSE_FILE_NAMES if (directory / name).is_file()]
        if found:
            overrides = [str(directory / name) for name in OVERRIDE_FILE_NAMES if (directory / name).is_file()]
            _warn_if_several(found, "config", warnings, cwd)
            _warn_if_several(overrides, "override", warnings, cwd)
            return found[:1] + overrides[:1]
        if directory.parent == directory:
            break
        directory = directory.parent
    names = ", ".join(COMPOSE_FILE_NAMES)
    raise ComposeError(
        Problem(Location(str(start)), f"no compose file found here or in any parent directory (looked for {names})", "create compose.yaml or pass -f FILE")
    )


def _warn_if_several(found: list[str], kind: str, warnings: list[str], cwd: str) -> None:
    if len(found) > 1:
        shown = ", ".join(display_path(name, cwd) for name in found)
        warnings.append(f"Found multiple {kind} files with supported names: {shown}; using {display_path(found[0], cwd)}")


def normalize_project_name(name: str) -> str:
    """Compose's normalization: lowercase, keep [a-z0-9_-], no leading '_' or '-'."""
    return "".join(_NAME_CHARS.findall(name.lower())).lstrip("_-")


def choose_project_name(options: LoadOptions, environment: dict[str, str], declared_name: Callable[[], tuple[str, Location] | None], project_dir: Path) -> str:
    """-p, else COMPOSE_PROJECT_NAME, else top-level `name:` (normalized), else the directory.

    `declared_name()` gives the interpolated `name:` of the compose files with its location.
    """
    explicit = [(options.project_name, "--project-name"), (environment.get("COMPOSE_PROJECT_NAME"), "COMPOSE_PROJECT_NAME")]
    for name, origin in explicit:
        if name:
            normalized = normalize_project_name(name)
            if normalized != name:
                example = f' (for example "{normalized}")' if normalized else ""
                raise ComposeError(
                    Problem(Location(origin), f'invalid project name "{name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number', f"choose another name{example}")
                )
            return name
    declared = declared_name()
    if declared is not None:
        name, location = declared
        where = location
    else:
        name, where = project_dir.name, Location(str(project_dir))
    normalized = normalize_project_name(name)
    if not normalized:
        raise ComposeError(Problem(where, f'project name "{name}" has no usable character once normalized', "set a name with -p, COMPOSE_PROJECT_NAME or a top-level name:"))
    return normalized
