"""Turning the global flags into a loaded project, shared by every verb that needs one."""

from __future__ import annotations

import sys
from argparse import Namespace

from composer.cli import output


def load_options(args: Namespace, services: tuple[str, ...] = (), interpolate: bool = True):
    from composer.config.options import LoadOptions

    stdin_text = sys.stdin.read() if "-" in args.file else None
    return LoadOptions(
        files=tuple(args.file),
        project_directory=args.project_directory,
        project_name=args.project_name,
        env_files=tuple(args.env_file),
        profiles=tuple(args.profile),
        services=services,
        interpolate=interpolate,
        stdin_text=stdin_text,
    )


def load_project(args: Namespace, services: tuple[str, ...] = (), interpolate: bool = True, quiet: bool = False):
    """Load and validate the project; print its warnings (unless quiet) to stderr."""
    from composer.config.load import load_project as load

    project = load(load_options(args, services, interpolate))
    if not quiet:
        for warning in project.warnings:
            output.warning(warning)
    return project


def with_dependencies(project, services) -> list[str]:
    """The services named and, transitively, those they depend on (in the files' order);
    an unknown name is Compose's one-line `no such service`."""
    from composer.errors import ComposerError

    for name in services:
        if name not in project.services:
            raise ComposerError(f"no such service: {name}")
    wanted, pending = set(services), list(services)
    while pending:
        for dependency in project.services[pending.pop()].depends_on:
            if dependency in project.services and dependency not in wanted:
                wanted.add(dependency)
                pending.append(dependency)
    return [name for name in project.services if name in wanted]
