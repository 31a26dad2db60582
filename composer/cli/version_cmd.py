"""compose version"""


def add_arguments(parser) -> None:
    parser.add_argument("--short", action="store_true", help="show only the version number")
    parser.add_argument("--format", choices=("pretty", "json"), default="pretty")


def run(args) -> int:
    from composer import __version__
    from composer.cli import output

    if args.short:
        output.line(__version__)
    elif args.format == "json":
        output.json_line({"version": __version__})
    else:
        output.line(f"composer version {__version__}")
    return 0
