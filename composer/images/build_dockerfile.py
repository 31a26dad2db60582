"""Just enough Dockerfile reading to know which images a build needs before it starts.

The builder (buildah) does the real parsing. composer only needs the images that FROM
lines and `COPY --from` / `RUN --mount=...,from=` name, so it can hand them over from its
own store instead of letting the builder go to a registry:

    ARG BASE=busybox                  global ARGs (before the first FROM) feed FROM lines,
    FROM ${BASE} AS build             overridden by build args, as Docker does
    FROM build                        a stage reference, not an image
    COPY --from=alpine:3 /x /x        an image used as a copy source

Only stages the target needs are looked at (the target and what it uses, transitively),
since stages nothing needs are skipped by the builder, as BuildKit does.
Not understood: heredocs (`RUN <<EOF`), and ARGs inside stages used in `--from` values.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

SCRATCH = "scratch"
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class DockerfileError(ValueError):
    """The Dockerfile cannot be used; the message says where (line N) and what."""


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # the `AS` name, lower-cased; None when unnamed
    base: str  # the FROM value with global ARGs substituted
    line: int  # of the FROM instruction, 1-based
    copies_from: tuple[str, ...] = ()  # `COPY --from=` and `RUN --mount=...from=` values


@dataclass(frozen=True)
class Dockerfile:
    stages: tuple[Stage, ...]

    def target_stage(self, target: str | None) -> Stage:
        """The stage `target` names, or the last stage when there is no target."""
        if target is None:
            return self.stages[-1]
        for stage in self.stages:
            if stage.name == target.lower():
                return stage
        names = ", ".join(s.name for s in self.stages if s.name) or "none is named"
        raise DockerfileError(f"target {target!r} is not a stage of the Dockerfile (stages: {names})")

    def needed_stages(self, target: str | None) -> list[Stage]:
        """The target and every stage it uses through FROM or --from, in file order."""
        needed: set[int] = set()
        pending = [self.target_stage(target)]
        while pending:
            stage = pending.pop()
            if stage.index in needed:
                continue
            needed.add(stage.index)
            for source in (stage.base, *stage.copies_from):
                used = self._stage_reference(source, stage.index)
                if used is not None:
                    pending.append(used)
        return [stage for stage in self.stages if stage.index in needed]

    def external_images(self, target: str | None) -> list[str]:
        """Images (not stages, not scratch) that the build of `target` needs, first use first."""
        images: list[str] = []
        for stage in self.needed_stages(target):
            for source in (stage.base, *stage.copies_from):
                is_image = self._stage_reference(source, stage.index) is None and source.lower() != SCRATCH
                if is_image and source not in images:
                    images.append(source)
        return images

    def _stage_reference(self, source: str, before: int) -> Stage | None:
        """The earlier stage `source` names (by AS name, or by index for --from), if any."""
        if source.isdigit():
            index = int(source)
            return self.stages[index] if index < before else None
        for stage in self.stages[:before]:
            if stage.name == source.lower():
                return stage
        return None


def parse_dockerfile(text: str, build_args: Mapping[str, str]) -> Dockerfile:
    """Stages of `text`; `build_args` override global ARG defaults. Raises DockerfileError."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line, instruction, rest in _instructions(text):
        if instruction == "from":
            stages.append(_from_stage(len(stages), line, rest, global_args))
        elif instruction == "arg" and not stages:
            _declare_args(rest, build_args, global_args)
        elif instruction in ("copy", "run") and stages:
            found = _from_flags(instruction, rest, global_args)
            if found:
                last = stages[-1]
                stages[-1] = Stage(last.index, last.name, last.base, last.line, last.copies_from + found)
        elif not stages and instruction != "arg":
            raise DockerfileError(f"line {line}: {instruction.upper()} comes before the first FROM; a Dockerfile starts with FROM (only ARG may precede it)")
    if not stages:
        raise DockerfileError("it has no FROM instruction")
    return Dockerfile(tuple(stages))


def substitute(value: str, variables: Mapping[str, str]) -> str:
    """$NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative}; unknown names are empty."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        current = variables.get(name, "")
        if match.group(2) == ":-":
            return current or match.group(3)
        if match.group(2) == ":+":
            return match.group(3) if current else ""
        return current

    return _VARIABLE.sub(replace, value)


def _from_stage(index: int, line: int, rest: str, global_args: Mapping[str, str]) -> Stage:
    words = [word for word in rest.split() if not word.startswith("--")]  # --platform=…
    if not words:
        raise DockerfileError(f"line {line}: FROM names no image")
    name = None
    if len(words) >= 3 and words[1].lower() == "as":
        name = words[2].lower()
    elif len(words) != 1:
        raise DockerfileError(f"line {line}: FROM takes an image and an optional `AS name`, not {rest.strip()!r}")
    base = substitute(words[0], global_args)
    if not base:
        raise DockerfileError(f"line {line}: FROM {words[0]} names no image once its ARGs are substituted; give the ARG a default or a build arg")
    return Stage(index=index, name=name, base=base, line=line)


def _declare_args(rest: str, build_args: Mapping[str, str], global_args: dict[str, str]) -> None:
    try:
        words = shlex.split(rest)
    except ValueError:  # unbalanced quotes: the builder will say so
        words = rest.split()
    for word in words:
        name, has_default, default = word.partition("=")
        if name in build_args:
            global_args[name] = build_args[name]
        elif has_default:
            global_args[name] = substitute(default, global_args)


def _from_flags(instruction: str, rest: str, global_args: Mapping[str, str]) -> tuple[str, ...]:
    """--from values of a COPY, or from= options of a RUN's --mount flags."""
    found = []
    for word in rest.split():
        if not word.startswith("--"):
            break
        if instruction == "copy" and word.startswith("--from="):
            found.append(word.removeprefix("--from="))
        elif instruction == "run" and word.startswith("--mount="):
            options = dict(part.partition("=")[::2] for part in word.removeprefix("--mount=").split(","))
            if options.get("from"):
                found.append(options["from"])
    return tuple(substitute(value, global_args) for value in found)


def _instructions(text: str) -> Iterator[tuple[int, str, str]]:
    """(line of its start, instruction lower-cased, the rest) for each logical line."""
    lines = text.splitlines()
    escape = _escape_character(lines)
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # comments and blank lines vanish, even inside a continuation
        if not parts:
            start = number
        body = raw.rstrip()
        if body.endswith(escape):
            parts.append(body[: -len(escape)])
            continue
        parts.append(body)
        instruction, _, rest = " ".join(parts).strip().partition(" ")
        parts = []
        yield start, instruction.lower(), rest
    if parts:
        instruction, _, rest = " ".join(parts).strip().partition(" ")
        yield start, instruction.lower(), rest


def _escape_character(lines: list[str]) -> str:
    """The `# escape=` parser directive, which only counts at the very top of the file."""
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            return match.group(2)
    return "\\"
