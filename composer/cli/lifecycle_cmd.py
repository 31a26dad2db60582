"""start, stop, restart, kill, rm, pause, unpause, top: one action on existing containers.

They share one shape (select the project's containers by service, act on each in
parallel, report), so they live together; what differs is the table at the bottom.
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    verb = parser.prog.split()[-1]
    if verb in ("stop", "restart", "rm"):
        parser.add_argument("-t", "--timeout", type=float, metavar="SECONDS", help="shutdown timeout")
    if verb == "kill":
        parser.add_argument("-s", "--signal", default="SIGKILL", help="signal to send (default SIGKILL)")
        parser.add_argument("--remove-orphans", action="store_true", help="remove containers for services not defined in the compose files")
    if verb == "restart":
        parser.add_argument("--no-deps", action="store_true", help="don't restart dependent services (depends_on with restart: true)")
    if verb == "rm":
        parser.add_argument("-f", "--force", action="store_true", help="don't ask to confirm removal")
        parser.add_argument("-s", "--stop", action="store_true", help="stop the containers first if running")
        parser.add_argument("-v", "--volumes", action="store_true", help="remove anonymous volumes")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import open_progress
    from composer.executor.down_runner import run_containers
    from composer.plan.teardown import plan_containers

    project = load_project(args)
    engine = open_driver()
    chosen = _chosen(project, args)
    states = [s for s in engine.containers(project.name) if not chosen or s.service in chosen]
    if args.verb == "top":
        return _top(engine, states)
    act, word, wanted = ACTIONS[args.verb]
    if args.verb == "rm" and not args.stop:
        wanted = ("created", "exited", "dead")  # every status but RUNNING's: running ones are left
    plan = plan_containers(project, states, engine.remembered_stop_order(project), args.verb, wanted, start_order=args.verb in ("start", "unpause"))
    by_name = {s.name: s for s in states}
    failures = {}
    with open_progress(args) as reporter:
        if args.dry_run:
            from composer.verbs import dry_run

            dry_run.lifecycle(word, plan, reporter)
        else:
            failures = run_containers(plan, lambda a: (act(engine, by_name[a.name], args), reporter.status("Container", a.name, word)))
        if getattr(args, "remove_orphans", False) and not args.dry_run:
            for state in [s for s in states if s.service not in project.services]:
                engine.remove_orphan(project.name, state.name)
                reporter.status("Container", state.name, "Removed")
    if args.dry_run:
        return 0
    engine.refresh_targets(project.name)  # ambassadors follow
    for name, reason in failures.items():
        output.error(f"container {name}: {reason}")
    return 1 if failures else 0


def _chosen(project, args) -> list[str]:
    """The services named; restart adds, as Compose, the services depending on them with
    `restart: true` in their depends_on (transitively), unless --no-deps."""
    if args.verb != "restart" or args.no_deps or not args.services:
        return list(args.services)
    wanted, pending = set(args.services), list(args.services)
    while pending:
        changed = pending.pop()
        for name, service in project.services.items():
            dependency = service.depends_on.get(changed)
            if dependency is not None and dependency.restart and name not in wanted:
                wanted.add(name)
                pending.append(name)
    return [name for name in project.services if name in wanted]


def _remove(engine, state, args) -> None:
    engine.runtime.stop(state.name, getattr(args, "timeout", None))
    engine.remove_container(state.project, state.name)


def _restart(engine, state, args) -> None:
    engine.runtime.stop(state.name, args.timeout)
    engine.runtime.start(state.name)


def _top(engine, states) -> int:
    from composer.cli import output

    for state in states:
        if state.status != "running":
            continue
        output.line(state.name)
        output.line(f"{'PID':>8}  CMD")
        for pid in engine.runtime.top(state.name):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            output.line(f"{pid:>8}  {command}")
        output.line()
    return 0


RUNNING = ("running", "paused", "restarting")
# verb → (action(engine, state, args), what to report, the states it applies to (None: all))
ACTIONS = {
    "start": (lambda e, s, a: e.runtime.start(s.name), "Started", ("created", "exited", "dead")),
    "stop": (lambda e, s, a: e.runtime.stop(s.name, a.timeout), "Stopped", RUNNING),
    "restart": (_restart, "Restarted", None),
    "kill": (lambda e, s, a: e.runtime.kill(s.name, a.signal), "Killed", ("running", "restarting")),
    "rm": (_remove, "Removed", None),
    "pause": (lambda e, s, a: e.runtime.pause(s.name), "Paused", ("running",)),
    "unpause": (lambda e, s, a: e.runtime.resume(s.name), "Unpaused", ("paused",)),
}
