"""compose wait: block until the services' containers stop; print each exit code as it comes.

The exit status is the exit code of the first container to stop (Compose v2 returns one
of them). With --down-project the project is taken down afterwards, as `down
--remove-orphans`. A container counts as stopped once it is not running: created,
exited or dead (as Docker's default wait condition).
"""

from __future__ import annotations

STOPPED = ("created", "exited", "dead")
UNKNOWN_EXIT = 255  # dead with its exit status lost with its supervisor
REMOVED_EXIT = 137  # removed before its exit was seen: removal kills it
RESCAN_SECONDS = 0.5


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="+", metavar="SERVICE")
    parser.add_argument("--down-project", action="store_true", help="drop the project when the containers have stopped")


def run(args) -> int:
    from composer.cli.driver import open_driver
    from composer.cli.events_cmd import target_project
    from composer.errors import ComposerError

    name = target_project(args, tuple(args.services))
    driver = open_driver()
    states = [s for s in driver.containers(name) if s.service in args.services]
    if not states:
        raise ComposerError(
            f"no containers for service {', '.join(args.services)} of project {name}", "start them with `compose up -d`"
        )
    codes = _wait_for(driver, name, {s.name: s for s in states})
    if args.down_project:
        _down(args)
    return codes[0]


def _wait_for(driver, project: str, waiting: dict) -> list[int]:
    """Exit codes in the order the containers stopped; each is printed as it comes."""
    import sys

    from composer.cli import output

    codes: list[int] = []
    with driver.state_changes() as watcher:
        while waiting:
            current = {s.name: s for s in driver.containers(project)}
            for name in sorted(waiting):
                state = current.get(name)
                if state is None or state.status in STOPPED:
                    codes.append(_exit_code(state or waiting[name], removed=state is None))
                    output.line(str(codes[-1]))
                    sys.stdout.flush()
                    del waiting[name]
                else:
                    waiting[name] = state
            if waiting:
                watcher.wait(RESCAN_SECONDS)
    return codes


def _exit_code(state, removed: bool) -> int:
    """`state` is the last one seen (before the removal, if it was removed)."""
    if state.exit_code is not None and state.status in STOPPED:
        return state.exit_code
    if removed:
        return REMOVED_EXIT
    return 0 if state.status == "created" else UNKNOWN_EXIT


def _down(args) -> None:
    """`compose down --remove-orphans`, with the same global flags."""
    from argparse import Namespace

    from composer.cli import down_cmd

    down_args = Namespace(**vars(args))
    down_args.volumes, down_args.remove_orphans, down_args.timeout = False, True, None
    down_args.rmi, down_args.progress = None, None
    down_cmd.run(down_args)
