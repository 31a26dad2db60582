"""compose volumes: the project's volumes (of the given services' containers), as Compose v2 lists them."""

from __future__ import annotations

TABLE = "table {{.Driver}}\t{{.Name}}"  # docker/cli's default volume table
HEADERS = {"Name": "VOLUME NAME", "Mountpoint": "MOUNTPOINT", "Driver": "DRIVER", "Scope": "SCOPE", "Labels": "LABELS"}


def add_arguments(parser) -> None:
    from composer.cli.go_format import FORMATS

    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--format", default="table", choices=FORMATS, metavar="FORMAT", help="table, json, 'table TEMPLATE' or a Go TEMPLATE ({{.Name}}…)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display volume names")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.go_format import render
    from composer.errors import ComposerError

    project = load_project(args)
    for service in args.services:
        if service not in project.services:
            raise ComposerError(f"no such service: {service}")
    driver = open_driver()
    volumes = driver.volume_list(project)
    if args.services:  # only those a chosen service's container has mounted
        used = {name for state in driver.containers(project.name) if state.service in args.services for name in driver.mounts(state.name)[1]}
        volumes = [v for v in volumes if v["Name"] in used]
    if args.quiet:
        for volume in volumes:
            output.line(volume["Name"])
        return 0
    for text in render(volumes, args.format, TABLE, HEADERS):
        output.line(text)
    return 0
