"""The flags `create` and `up` share: as in Compose v2, whose `up` embeds `create`'s options."""

from __future__ import annotations


def add_create_flags(parser) -> None:
    parser.add_argument("--build", action="store_true", help="build images before starting containers")
    parser.add_argument("--no-build", action="store_true", help="don't build an image, even if it's policy")
    parser.add_argument("--force-recreate", action="store_true", help="recreate containers even if unchanged")
    parser.add_argument("--no-recreate", action="store_true", help="don't recreate containers that exist")
    parser.add_argument("--pull", choices=("always", "missing", "never", "build"), help="pull images before running")
    parser.add_argument("--quiet-pull", action="store_true", help="pull without printing progress")
    parser.add_argument("--remove-orphans", action="store_true", help="remove containers of services not in the compose files")
    parser.add_argument("--scale", action="append", default=[], metavar="SERVICE=NUM", help="scale SERVICE to NUM instances")
    parser.add_argument("-y", "--yes", action="store_true", help="assume yes to all prompts (composer never asks)")


def without_builds(project):
    """The project as Compose v2 runs it under --no-build: no service has build: any more,
    so its image (the name a build would give it) is found or pulled, never built."""
    from dataclasses import replace

    services = {name: replace(service, build=None) for name, service in project.services.items()}
    return replace(project, services=services)
