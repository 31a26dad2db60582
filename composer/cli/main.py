"""`compose` entry point: global flags, verb dispatch, and the one place errors become exit codes.

Verb modules are imported only when chosen, so `compose --help` stays fast: each
module in VERBS exposes `add_arguments(parser)` and `run(args, globals) -> int`, and
keeps its heavy imports inside run().
"""

from __future__ import annotations

import argparse
import importlib
import sys

from composer.errors import ComposerError

# verb → (module under composer.cli, one-line help). Order is the --help order.
VERBS: dict[str, tuple[str, str]] = {
    "up": ("up_cmd", "Create and start containers"),
    "down": ("down_cmd", "Stop and remove containers (and with -v volumes)"),
    "ps": ("ps_cmd", "List containers"),
    "logs": ("logs_cmd", "View output from containers"),
    "exec": ("exec_cmd", "Execute a command in a running container"),
    "run": ("run_cmd", "Run a one-off command on a service"),
    "start": ("lifecycle_cmd", "Start services"),
    "stop": ("lifecycle_cmd", "Stop services"),
    "restart": ("lifecycle_cmd", "Restart service containers"),
    "kill": ("lifecycle_cmd", "Force stop service containers"),
    "rm": ("lifecycle_cmd", "Remove stopped service containers"),
    "pause": ("lifecycle_cmd", "Pause services"),
    "unpause": ("lifecycle_cmd", "Unpause services"),
    "top": ("lifecycle_cmd", "Display the running processes"),
    "events": ("events_cmd", "Receive real time events from containers"),
    "wait": ("wait_cmd", "Block until the services' containers stop; print their exit codes"),
    "port": ("port_cmd", "Print the public port for a port binding"),
    "ls": ("ls_cmd", "List running compose projects"),
    "build": ("build_cmd", "Build service images (buildah, into the local store)"),
    "pull": ("pull_cmd", "Pull service images"),
    "images": ("images_cmd", "List images used by the project's containers"),
    "image": ("image_cmd", "Manage the local image store: load, import, ls, rm, prune"),
    "config": ("config_cmd", "Parse, resolve and render the compose file in canonical format"),
    "graph": ("graph_cmd", "Show the start order of services and ambassadors"),
    "watch": ("watch_cmd", "Watch services' develop.watch paths; sync, restart or rebuild on change"),
    "create": ("create_cmd", "Create containers for services, without starting them"),
    "scale": ("scale_cmd", "Scale services"),
    "volumes": ("volumes_cmd", "List the project's volumes"),
    "stats": ("stats_cmd", "Display a live stream of the containers' resource usage"),
    "cp": ("cp_cmd", "Copy files/folders between a service container and the local filesystem"),
    "export": ("export_cmd", "Export a service container's filesystem as a tar archive"),
    "attach": ("attach_cmd", "Follow a service container's output until it stops (output only)"),
    "commit": ("commit_cmd", "Create a new image from a service container's changes"),
    "push": ("push_cmd", "Push service images (skopeo, from the local store)"),
    "bridge": ("unsupported_cmd", "Convert compose files into another model (not supported)"),
    "publish": ("unsupported_cmd", "Publish a compose application (not supported)"),
    "version": ("version_cmd", "Show the composer version"),
    "completion": ("completion_cmd", "Print a shell completion script (bash or zsh)"),
}


# global options that take a value (so their value is not taken for the verb)
_VALUED_GLOBALS = frozenset({"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi", "--progress", "--parallel", "--driver"})

# global flags Compose v2 also takes after the verb (`compose up --dry-run`): every verb's
# `--help` there lists --dry-run and no other global flag
_AFTER_VERB = ("--dry-run",)


def chosen_verb(argv: list[str]) -> str | None:
    """The verb in argv, found without parsing it, so only its module need be imported."""
    tokens = iter(argv)
    for token in tokens:
        if token in _VALUED_GLOBALS:
            next(tokens, None)
        elif not token.startswith("-"):
            return token if token in VERBS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (only=VERB) the global options and that one verb: importing every
    verb module to run one cost ~40 ms of each command."""
    parser = argparse.ArgumentParser(
        prog="compose",
        description="Define and run multi-container applications on runc, with ambassadors.",
    )
    parser.add_argument("-f", "--file", action="append", default=[], metavar="FILE", help="compose configuration file (repeatable; - for stdin)")
    parser.add_argument("-p", "--project-name", metavar="NAME", help="project name")
    parser.add_argument("--project-directory", metavar="DIR", help="alternate working directory (default: the first file's directory)")
    parser.add_argument("--env-file", action="append", default=[], metavar="FILE", help="alternate environment file (repeatable)")
    parser.add_argument("--profile", action="append", default=[], metavar="PROFILE", help="enable a profile (repeatable)")
    parser.add_argument("--ansi", choices=("never", "always", "auto"), default="auto", help="control when to print ANSI control characters")
    parser.add_argument("--dry-run", action="store_true", help="show what would be done; change nothing")
    parser.add_argument("--progress", choices=("auto", "tty", "plain", "json", "quiet"), help="type of progress output (default: auto)")
    parser.add_argument("--parallel", type=int, metavar="N", help="limit of parallel operations, -1 for unlimited (default: $COMPOSE_PARALLEL_LIMIT or 16)")
    parser.add_argument("--driver", choices=("runc", "docker", "swarm"), help="what runs the project: runc (default), docker (a Docker engine: $DOCKER_HOST or the docker context) or swarm (a stack on $DOCKER_HOST's Swarm); also $COMPOSER_DRIVER")
    parser.add_argument("--compatibility", action="store_true", help="accepted for Compose v2; changes nothing (see docs/cli-compatibility.md)")
    parser.add_argument("--all-resources", action="store_true", help="include all resources, even those not used by services")
    parser.add_argument("--debug", action="store_true", help="show details (and tracebacks) of errors")
    parser.add_argument("-v", "--version", action="store_true", help="show the version and exit")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    for verb, (module_name, help_text) in VERBS.items():
        if only is not None and verb != only:
            continue
        sub = verbs.add_parser(verb, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        importlib.import_module(f"composer.cli.{module_name}").add_arguments(sub)
        _share_globals(sub)
    return parser


def _share_globals(sub: argparse.ArgumentParser) -> None:
    """--dry-run after the verb too; a verb's own --progress (build, up, down) keeps working.
    Unset there, they must not overwrite what was given before the verb: argparse copies a
    subparser's defaults over the global namespace, so theirs are SUPPRESS."""
    for action in sub._actions:
        if action.dest in ("progress", "dry_run"):
            action.default = argparse.SUPPRESS
            if action.dest == "progress" and action.choices is not None and "auto" not in action.choices:
                action.choices = (*action.choices, "auto")
    if not any("--dry-run" in action.option_strings for action in sub._actions):
        sub.add_argument(*_AFTER_VERB, action="store_true", default=argparse.SUPPRESS, help="execute command in dry run mode")


def _apply_globals(args: argparse.Namespace) -> None:
    """--progress auto means no choice; --parallel is the executor's limit (over COMPOSE_PARALLEL_LIMIT)."""
    from composer.cli import output

    if args.progress == "auto":
        args.progress = None
    if args.driver:  # read by cli/driver.py, the one place a driver is chosen
        import os

        os.environ["COMPOSER_DRIVER"] = args.driver
    if args.compatibility:  # Compose v2's only effect: v1's `project_service_1` names
        output.warning("--compatibility: accepted, but container names keep Compose v2's '-' separator")
    if args.all_resources and args.verb in ("up", "create", "run", "scale"):
        output.warning("--all-resources: accepted, but networks no service uses are not created (declared volumes always are)")
    from composer.cli.driver import new_command

    new_command()
    if args.parallel is not None:
        if args.parallel == 0 or args.parallel < -1:
            from composer.errors import ComposerError

            raise ComposerError(f"--parallel {args.parallel}: expected a positive number, or -1 for unlimited")
        from composer.executor.tasks import choose_parallel_limit

        choose_parallel_limit(args.parallel)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    verb = chosen_verb(argv)
    parser = build_parser(only=verb)
    if verb and VERBS[verb][0] == "unsupported_cmd":  # refused with its reason, whatever its flags
        args, _ = parser.parse_known_args(argv)
    else:
        args = parser.parse_args(argv)
    if args.version:
        from composer import __version__

        print(f"composer version {__version__}")
        return 0
    if not args.verb:
        parser.print_help()
        return 0
    from composer.cli import output

    output.configure(args.ansi)
    try:
        _apply_globals(args)
        return importlib.import_module(f"composer.cli.{args._module}").run(args)
    except ComposerError as exc:
        if args.debug:
            raise
        for line in exc.lines():
            output.error(line)
        return exc.exit_code
    except KeyboardInterrupt:
        output.error("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
