"""compose port: the host address a service's (or ambassador's) container port is published on."""


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("private_port", type=int, metavar="PRIVATE_PORT")
    parser.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    parser.add_argument("--index", type=int, default=1, help="index of the container if the service has several")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.errors import ComposerError

    project = load_project(args)
    for entry in open_driver().published_ports(project.name):
        if (entry["name"], entry["target"], entry["protocol"]) == (args.service, args.private_port, args.protocol):
            output.line(f"{entry['host_ip']}:{entry['published']}")
            return 0
    raise ComposerError(f"no port {args.private_port}/{args.protocol} published for {args.service}", "see compose ps")
