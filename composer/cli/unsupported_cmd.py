"""Compose v2 verbs composer does not have, each refused with one line saying why (exit 1,
Compose's status for a command its backend does not implement)."""

from __future__ import annotations

WHY = {
    "bridge": "converting compose files to Kubernetes or Helm (Compose's bridge transformers run in Docker images) is not part of composer",
    "publish": "publishing the compose files themselves as an OCI artifact is not built (compose push pushes the images)",
}


def add_arguments(parser) -> None:
    import argparse

    parser.add_argument("rest", nargs=argparse.REMAINDER, help="Compose's arguments (refused anyway)")


def run(args) -> int:
    from composer.errors import ComposerError

    raise ComposerError(f"compose {args.verb} is not supported: {WHY[args.verb]}")
