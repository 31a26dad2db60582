"""compose graph: the start plan — generations of services and ambassadors."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE", help="only these services and what they need")
    parser.add_argument("--format", choices=("text", "dot"), default="text", help="text (generations) or dot (Graphviz)")
    parser.add_argument("--no-deps", action="store_true", help="don't include the dependencies of the named services")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.plan import graph as dependency_graph

    project = load_project(args, services=tuple(args.services))
    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, args.services, with_dependencies=not args.no_deps)
    if args.format == "dot":
        output.line(dependency_graph.to_dot(graph, chosen))
    else:
        for text in dependency_graph.to_text(graph, chosen):
            output.line(text)
    return 0
