"""compose config: parse, resolve and render the project in canonical form."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE", help="only these services (and their profiles)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml", help="output format")
    parser.add_argument("-q", "--quiet", action="store_true", help="only validate the configuration, print nothing")
    parser.add_argument("--services", dest="list_services", action="store_true", help="print the service names, one per line")
    parser.add_argument("--volumes", dest="list_volumes", action="store_true", help="print the volume names, one per line")
    parser.add_argument("--networks", dest="list_networks", action="store_true", help="print the network names, one per line")
    parser.add_argument("--profiles", dest="list_profiles", action="store_true", help="print the profile names, one per line")
    parser.add_argument("--images", dest="list_images", action="store_true", help="print the image names, one per line")
    parser.add_argument("--hash", metavar="SERVICES", help='print the config hash of services ("*" for all)')
    parser.add_argument("--no-interpolate", action="store_true", help="don't interpolate environment variables")
    parser.add_argument("-o", "--output", metavar="FILE", help="save to FILE instead of printing")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.plan.graph import build_graph

    project = load_project(args, services=tuple(args.services), interpolate=not args.no_interpolate, quiet=args.quiet)
    build_graph(project)  # refuses dependency cycles, as Compose's config does
    if args.quiet:
        return 0
    lines = _listing(args, project)
    text = "\n".join(lines) + "\n" if lines is not None else _render(project, args.format, not args.no_interpolate)
    if args.output:
        _write_file(args.output, text)
    else:
        output.write(text)
    return 0


def _listing(args, project) -> list[str] | None:
    from composer.config.serialize import config_hash

    if args.list_services:
        return list(project.services)
    if args.list_volumes:
        return list(project.volumes)
    if args.list_networks:
        return list(project.networks)
    if args.list_profiles:
        return list(project.profiles)
    if args.list_images:
        return [s.image or f"{project.name}-{s.name}" for s in project.services.values()]
    if args.hash:
        wanted = project.services if args.hash == "*" else [n.strip() for n in args.hash.split(",")]
        return [f"{name} {config_hash(project.services[name])}" for name in wanted if name in project.services]
    return None


def _render(project, fmt: str, interpolated: bool) -> str:
    from composer.config.serialize import to_compose_dict

    data = to_compose_dict(project, escape_dollars=interpolated, json_form=fmt == "json")
    if fmt == "json":
        import json

        # as Compose prints it: Go's encoding/json (UTF-8, <, >, & escaped), no newline at the end
        text = json.dumps(data, indent=2, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    from composer.config.yamlout import dump_yaml

    return dump_yaml(data)


def _write_file(path: str, text: str) -> None:
    from composer.atomic import write_atomically
    from composer.errors import ComposerError

    try:
        write_atomically(path, text)
    except OSError as exc:
        raise ComposerError(f"cannot write {path}: {exc.strerror}", "check the directory exists and is writable") from None
