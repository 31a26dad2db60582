"""The verbs of a driver that deploys whole stacks (the swarm driver's `deploys_stack`
capability, drivers/protocol.py's StackDriver): up, down, ps, logs and events call the
driver's stack methods instead of the container-by-container verbs. Each of those CLI
verb modules hands over here in four lines when its driver deploys stacks."""

from __future__ import annotations

import sys
import threading


def up(args, project, driver) -> int:
    from composer.cli import output
    from composer.cli.progress import open_progress
    from composer.drivers.protocol import StackOptions

    if not (args.detach or args.wait) or args.watch or args.no_start or args.dry_run:
        from composer.errors import ComposerError

        raise ComposerError("the swarm driver deploys detached: use `up -d` (or `up --wait`)",
                            "follow the output with `logs -f`; --no-start, --watch and --dry-run are not supported on a stack")
    options = StackOptions(services=tuple(args.services), no_deps=args.no_deps, allow_dropped=args.allow_dropped,
                           registry=args.registry, build=args.build, remove_orphans=args.remove_orphans)
    waited = None
    with open_progress(args) as reporter:
        result = driver.deploy(project, options, reporter)
        for note in result.notes:
            output.warning(note)
        if args.wait and result.ok:
            waited = _wait(project, driver, args.wait_timeout, reporter)
    from composer.cli.up_cmd import print_failures

    print_failures(result)  # the same result fields as the verbs' up
    for text in waited.lines() if waited else ():
        output.failure(text)
    return 0 if result.ok and waited is None else 1


def _wait(project, driver, timeout, reporter):
    """`up --wait`: every task running, and healthy where its service has a healthcheck."""
    from composer.executor.conditions import HEALTHY, STARTED, ConditionFailed, wait_for

    try:
        wait_for(lambda: driver.containers(project.name), lambda s: HEALTHY if s.health is not None else STARTED, timeout,
                 lambda name, text: reporter.status("Task", name, text), announce_started=True,
                 timeout_message=f"application not healthy after {timeout}s")
    except ConditionFailed as exc:
        return exc
    return None


def down(args, project_name: str, driver) -> int:
    from composer.cli.progress import open_progress

    if args.dry_run or args.rmi:
        from composer.errors import ComposerError

        raise ComposerError("the swarm driver's down takes neither --dry-run nor --rmi")
    with open_progress(args) as reporter:
        driver.remove(project_name, reporter, volumes=args.volumes)
    return 0


def ps(args, project, driver) -> int:
    """One row per task (each slot's newest): NAME, IMAGE, SERVICE, NODE, DESIRED, STATE, ERROR."""
    from composer.cli import output

    nodes = driver.node_names()
    rows = []
    for task in driver.tasks(project.name):
        service = task["service"].removeprefix(f"{project.name}_")
        if args.services and service not in args.services:
            continue
        status = task.get("Status") or {}
        running = status.get("State") in ("running", "starting")
        if not (args.all or running):
            continue
        rows.append({"Name": f"{task['service']}.{task.get('Slot') or task.get('NodeID')}", "Service": service,
                     "Image": task["Spec"]["ContainerSpec"]["Image"].split("@")[0], "Node": nodes.get(task.get("NodeID"), ""),
                     "DesiredState": task.get("DesiredState", ""), "State": status.get("State", ""), "Error": status.get("Err", "")})
    if args.format == "json":
        for row in rows:
            output.json_line(row)
        return 0
    if args.quiet or args.only_services:
        for text in dict.fromkeys(r["Service" if args.only_services else "Name"] for r in rows):
            output.line(text)
        return 0
    columns = ("Name", "Image", "Service", "Node", "DesiredState", "State", "Error")
    widths = [max([len(c)] + [len(r[c]) for r in rows]) for c in columns]
    output.line("   ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in rows:
        output.line("   ".join(row[c].ljust(w) for c, w in zip(columns, widths)).rstrip())
    return 0


def logs(args, project, driver) -> int:
    """The services' log streams (the engine gathers them from every node); one thread per
    service when following, each line prefixed by its task (`<service>.<slot>`)."""
    services = [s for s in driver.services(project.name)
                if not args.services or s["Spec"]["Name"].removeprefix(f"{project.name}_") in args.services]
    lock = threading.Lock()
    threads = [threading.Thread(target=_service_log, args=(driver, s, args, lock), daemon=True) for s in services]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        pass
    sys.stdout.buffer.flush()
    return 0


def _service_log(driver, service: dict, args, lock: threading.Lock) -> None:
    from composer.cli import output
    from composer.errors import ComposerError

    name = service["Spec"]["Name"]
    tail = "all" if args.tail == "all" else int(args.tail)
    try:
        for slot, text in driver.log_lines(service, args.follow, args.timestamps, tail):
            with lock:
                sys.stdout.buffer.write((b"" if args.no_log_prefix else f"{name}.{slot}  | ".encode()) + text + b"\n")
                sys.stdout.buffer.flush()
    except ComposerError as exc:
        output.error(exc.one_line())


def events(project: str, services: tuple[str, ...], as_json: bool, driver) -> None:
    """The engine's service and task-container events of the stack, as Compose prints
    container events (a container's `service` is its compose service)."""
    from datetime import datetime, timezone

    from composer.cli import output

    for event in driver.events():
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        if event.get("Type") == "service":
            service = attributes.get("name", "").removeprefix(f"{project}_")
            ours = attributes.get("name", "").startswith(f"{project}_")
        else:
            service = attributes.get("com.docker.compose.service", "")
            ours = attributes.get("com.docker.stack.namespace") == project
        if not ours or (services and service not in services):
            continue
        when = datetime.fromtimestamp(event.get("timeNano", 0) / 1e9, timezone.utc)
        shown = {k: v for k, v in attributes.items() if k in ("name", "image", "exitCode", "updatestate.new", "replicas.new")}
        if as_json:
            output.json_line({"time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "type": event["Type"], "action": event.get("Action"),
                              "id": (event.get("Actor") or {}).get("ID"), "service": service, "attributes": shown})
        else:
            text = ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))
            output.line(f"{when.astimezone().strftime('%Y-%m-%d %H:%M:%S.%f')} {event['Type']} {event.get('Action')} "
                        f"{(event.get('Actor') or {}).get('ID')} ({text})")
        sys.stdout.flush()
