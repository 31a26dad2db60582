"""compose image load|import|ls|rm|prune — the local image store (no daemon, no registry needed)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="image_action", metavar="ACTION", required=True)
    load = actions.add_parser("load", help="load images from a docker-archive or oci-archive tarball")
    load.add_argument("archive", metavar="FILE")
    imp = actions.add_parser("import", help="make an image from a root filesystem tarball (like docker import)")
    imp.add_argument("tarball", metavar="ROOTFS.tar")
    imp.add_argument("reference", metavar="NAME[:TAG]")
    imp.add_argument("-c", "--change", action="append", default=[], metavar="CMD [...]|ENV K=V|WORKDIR D", help="a Dockerfile-like setting")
    actions.add_parser("ls", help="list images")
    rm = actions.add_parser("rm", help="remove image names (blobs stay until prune)")
    rm.add_argument("references", nargs="+", metavar="IMAGE")
    actions.add_parser("prune", help="remove blobs and layers no image uses")


def run(args) -> int:
    from pathlib import Path

    from composer.cli import output
    from composer.cli.driver import open_driver

    store = open_driver().images
    if args.image_action == "load":
        for name in store.load(Path(args.archive)):
            output.line(f"Loaded image: {name}")
    elif args.image_action == "import":
        image = store.import_rootfs(Path(args.tarball), args.reference, _changes(args.change))
        output.line(image.id)
    elif args.image_action == "ls":
        print_images(store.list())
    elif args.image_action == "rm":
        for ref in args.references:
            store.remove(ref)
            output.line(f"Untagged: {ref}")
    elif args.image_action == "prune":
        report = store.prune()
        output.line(f"Removed {report.blobs} blobs and {report.layers} layers; reclaimed {report.bytes} bytes")
    return 0


def _changes(items: list[str]) -> dict:
    """`-c 'CMD ["sh"]'`, `-c 'ENV A=1'`, `-c 'WORKDIR /app'` as the image config keys."""
    import json
    import shlex

    from composer.errors import ComposerError

    changes: dict = {}
    for item in items:
        word, _, rest = item.strip().partition(" ")
        rest = rest.strip()
        if word.upper() in ("CMD", "ENTRYPOINT"):
            value = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
            changes["Cmd" if word.upper() == "CMD" else "Entrypoint"] = value
        elif word.upper() == "ENV":
            changes.setdefault("Env", []).extend(shlex.split(rest))
        elif word.upper() == "WORKDIR":
            changes["WorkingDir"] = rest
        elif word.upper() == "USER":
            changes["User"] = rest
        else:
            raise ComposerError(f"--change {item!r}: only CMD, ENTRYPOINT, ENV, WORKDIR and USER are supported")
    return changes


def print_images(images) -> None:
    from composer.cli import output

    rows = [("REPOSITORY", "TAG", "IMAGE ID", "SIZE")]
    for image in images:
        name, _, tag = image.ref.rpartition(":") if ":" in image.ref.rsplit("/", 1)[-1] else (image.ref, "", "")
        rows.append((name, tag, image.id.split(":")[-1][:12], _size(image.size)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        output.line("   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000:
            return f"{count:.3g}{unit}"
        count /= 1000
    return f"{count:.3g}TB"
