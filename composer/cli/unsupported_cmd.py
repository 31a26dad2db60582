"""Compose v2 verbs composer does not have, each refused with one line saying why (exit 1,
Compose's status for a command its backend does not implement)."""

from __future__ import annotations

WHY = {
    "attach": "composer's supervisor owns each container's stdio and has no socket to attach to; use `compose logs -f SERVICE` (output) or `compose exec SERVICE sh` (input)",
    "commit": "composer's image store takes images from registries, archives and buildah builds; it cannot write a container's upper layer back as an image",
    "push": "pushing from composer's image store to a registry (skopeo copy, with credentials) is not wired yet",
    "publish": "publishing a compose application as an OCI artifact needs a registry push, which composer does not do",
}


def add_arguments(parser) -> None:
    import argparse

    parser.add_argument("rest", nargs=argparse.REMAINDER, help="Compose's arguments (refused anyway)")


def run(args) -> int:
    from composer.errors import ComposerError

    raise ComposerError(f"compose {args.verb} is not supported: {WHY[args.verb]}")
