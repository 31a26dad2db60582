"""load_project: the whole of loading, files and flags in, a validated Project out."""

from __future__ import annotations

from composer.config.assemble import assemble
from composer.config.build import build_project
from composer.config.model import Project
from composer.config.options import LoadOptions


def load_project(options: LoadOptions) -> Project:
    """Find, read, interpolate and merge the compose files, then validate and build the model.

    Raises ComposeError carrying every problem found.
    """
    return build_project(assemble(options))
