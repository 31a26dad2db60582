"""compose cp: files between a service container and the local filesystem, with docker cp's rules.

SERVICE:SRC DEST copies from the service's first container (or --index N); SRC SERVICE:DEST
copies into every container of the service (or --index N). `-` is a tar stream on
stdin/stdout. A directory SRC lands inside an existing directory DEST, or becomes DEST;
SRC ending in `/.` copies a directory's contents; a file lands in DEST (a directory) or as
DEST. Modes are kept both ways; owners too into a container (-a: the container's user's,
when it has one: Docker's rule), and out of it they are ours, as docker cp does.
"""

from __future__ import annotations

import os
import posixpath
import sys
import tarfile
import tempfile


def add_arguments(parser) -> None:
    parser.add_argument("source", metavar="SERVICE:SRC_PATH|SRC_PATH|-")
    parser.add_argument("destination", metavar="DEST_PATH|-|SERVICE:DEST_PATH")
    parser.add_argument("--all", action="store_true", help="include containers created by the run command")
    parser.add_argument("-a", "--archive", action="store_true", help="archive mode (copy all uid/gid information)")
    parser.add_argument("-L", "--follow-link", action="store_true", help="always follow symbol link in SRC_PATH")
    parser.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")


def split_arg(arg: str) -> tuple[str, str]:
    """Compose's splitCpArg: ("", local path) or (service, container path)."""
    if arg.startswith("/"):
        return "", arg
    service, sep, path = arg.partition(":")
    if not sep or service.startswith("."):
        return "", arg
    return service, path


def run(args) -> int:
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import open_progress
    from composer.errors import ComposerError

    (src_service, src), (dst_service, dst) = split_arg(args.source), split_arg(args.destination)
    if src_service and dst_service:
        raise ComposerError("copying between services is not supported")
    if not (src_service or dst_service):
        raise ComposerError("unknown copy direction", "name a container side as SERVICE:PATH")
    project = load_project(args, quiet=True)
    driver = open_driver()
    service = src_service or dst_service
    names = _targets(driver, project.name, service, args)
    if src_service:
        names = names[:1]
    if args.dry_run:
        return 0
    with open_progress(args, title="Copying") as reporter:
        for name in names:
            if src_service:
                text = f"copy {name}:{src} to {dst}"
                _from_container(driver, name, src, dst, args.follow_link)
            else:
                text = f"copy {src} to {name}:{dst}"
                _to_container(driver, name, src, dst, args.archive, args.follow_link)
            if dst != "-":
                reporter.status(name, text, "Copied")
    return 0


def _targets(driver, project: str, service: str, args) -> list[str]:
    from composer.errors import ComposerError

    states = [s for s in driver.containers(project, service) if args.all or not driver.is_one_off(project, s.name)]
    if args.index > 0:
        wanted = f"{project}-{service}-{args.index}"
        if wanted not in {s.name for s in states}:
            raise ComposerError(f"service {service!r} is not running with index {args.index}" if states else f"no container found for service {service!r}")
        return [wanted]
    if not states:
        raise ComposerError(f"no container found for service {service!r}")
    return [s.name for s in states]


def _from_container(driver, name: str, src: str, dst: str, follow_link: bool) -> None:
    from composer.errors import ComposerError

    if dst == "-":
        driver.copy_out(name, src, sys.stdout.buffer, follow_link)
        sys.stdout.buffer.flush()
        return
    kind = driver.path_kind(name, src)
    if kind is None:
        raise ComposerError(f"Could not find the file {src} in container {name}")
    into, arcname = local_destination(dst, kind, src.endswith("/."))
    with tempfile.TemporaryFile() as buffer:
        driver.copy_out(name, src, buffer, follow_link, arcname)
        buffer.seek(0)
        extract_locally(buffer, into)


def local_destination(dst: str, kind: str, contents_only: bool) -> tuple[str, str | None]:
    """(directory to extract into, the archive root's name or None to keep it), by docker cp's rules."""
    from composer.errors import ComposerError

    if os.path.isdir(dst):
        return dst, "." if contents_only else None
    if os.path.exists(dst):
        if kind == "dir":
            raise ComposerError(f"cannot copy a directory to a file: {dst}")
        return os.path.dirname(os.path.abspath(dst)), os.path.basename(dst)
    if dst.endswith("/") and kind != "dir":
        raise ComposerError(f"destination directory {dst} does not exist")
    parent = os.path.dirname(os.path.abspath(dst.rstrip("/")))
    if not os.path.isdir(parent):
        raise ComposerError(f"destination directory {parent} does not exist")
    return parent, os.path.basename(dst.rstrip("/"))


def extract_locally(archive, into: str) -> None:
    """Untar what came out of a container: modes kept, owned by us (docker cp's way), and no
    member may leave `into` (names with `..`, absolute names, links outside)."""
    uid, gid = os.getuid(), os.getgid()
    with tarfile.open(fileobj=archive, mode="r:") as tar:
        members = []
        for member in tar.getmembers():
            parts = [p for p in member.name.split("/") if p not in ("", ".")]
            if ".." in parts or (member.islnk() and ".." in member.linkname.split("/")):
                continue
            member.name = "/".join(parts) or "."
            member.uid, member.gid, member.uname, member.gname = uid, gid, "", ""
            members.append(member)
        tar.extractall(into, members=members, numeric_owner=True, filter="fully_trusted")


def _to_container(driver, name: str, src: str, dst: str, as_user: bool, follow_link: bool) -> None:
    from composer.errors import ComposerError

    if src == "-":
        driver.copy_in(name, dst, sys.stdin.buffer, as_user)
        return
    if not os.path.lexists(src):
        raise ComposerError(f"no such file or directory: {src}")
    source = os.path.realpath(src) if follow_link else src
    kind = "dir" if os.path.isdir(source) and not (os.path.islink(source) and not follow_link) else "file"
    dst_kind = driver.path_kind(name, dst)
    contents_only = src.endswith("/.")
    if dst_kind == "dir":
        into, arcname = dst, "." if contents_only else os.path.basename(os.path.abspath(source))
    elif dst_kind == "file" and kind == "dir":
        raise ComposerError(f"cannot copy a directory to a file: {name}:{dst}")
    elif dst_kind is None and dst.endswith("/") and kind != "dir":
        raise ComposerError(f"destination directory {name}:{dst} does not exist")
    else:  # a file replaced, or a new name for what is copied
        into, arcname = posixpath.dirname(dst.rstrip("/")) or "/", posixpath.basename(dst.rstrip("/"))
        if driver.path_kind(name, into) != "dir":
            raise ComposerError(f"destination directory {name}:{into} does not exist")
    with tempfile.TemporaryFile() as buffer:
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(source, arcname=arcname, recursive=True)
        buffer.seek(0)
        driver.copy_in(name, into, buffer, as_user)
