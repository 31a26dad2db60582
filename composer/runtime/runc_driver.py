"""RuncRuntime: the Runtime protocol on runc, overlayfs and one supervisor per container.

No daemon and no records beyond each container's state dir: every resource is named
from the container's name (runtime/layout.py), so remove() can finish any half-made
or half-removed container.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping, Sequence

from composer import paths as composer_paths
from composer.crash import crash_point
from composer.errors import RuntimeFailure
from composer.logs import check_config as check_log_config
from composer.runtime.api import ContainerState
from composer.runtime.capabilities import UnavailableCapability, UnknownCapability, capability_set, host_bounding_set
from composer.runtime.cgroups import is_frozen, remove_cgroup_dirs
from composer.runtime.launch import launch_shim
from composer.runtime.layout import ContainerPaths, containers_dir
from composer.runtime.oci import build_oci_config, stop_signal_number
from composer.runtime.observe import observe
from composer.runtime.prepare import ensure_workdir, find_tini, prepare_mounts
from composer.runtime.rootfs import is_mounted, mount_overlay, umount
from composer.runtime.runc import Runc
from composer.runtime.seccomp import DEFAULT_PROFILE, SeccompProfileError, seccomp_for
from composer.runtime.spec import ContainerSpec
from composer.runtime.supervision import (
    clear_final_exit,
    kill_supervisor,
    request_final_exit,
    signal_supervisor,
    supervisor_alive,
    wait_for_exit,
)
from composer.runtime.users import UserLookupError, resolve_user
from composer.shim.config import SHIM_CONFIG, ShimConfig, load_shim_config, write_atomically
from composer.shim.state import ShimState, iso_time, process_start_time, read_state, write_state

STOP_MARGIN = 10.0  # beyond the grace: how long a supervisor may take to wind down


class RuncRuntime:
    def __init__(self, runc_binary: str | None = None) -> None:
        self._runc_binary = runc_binary

    def _runc(self) -> Runc:
        return Runc(composer_paths.run_root() / "runc", self._runc_binary)

    # -- create --------------------------------------------------------------

    def create(self, spec: ContainerSpec) -> None:
        paths = ContainerPaths.for_name(spec.name)
        existing = _load_config(paths)
        if existing is not None:
            if existing.spec_hash != spec.spec_hash():
                raise RuntimeFailure(
                    f"container {spec.name} already exists with another configuration", "remove it first"
                )
            return
        if paths.state_dir.is_dir():  # half-made or half-removed (a kill -9): finish that first
            problems = self._remove_resources(paths, keep_data=False)
            if problems:
                raise RuntimeFailure(f"container {spec.name}: a half-made container is in the way: {'; '.join(problems)}", "run compose down")
        try:
            self._create(spec, paths)
        except BaseException:
            with contextlib.suppress(RuntimeFailure):
                self.remove(spec.name)
            raise

    def _create(self, spec: ContainerSpec, paths: ContainerPaths) -> None:
        check_log_config(spec.log, spec.service)  # the supervisor would only find out later
        paths.state_dir.mkdir(parents=True, exist_ok=True)
        mount_overlay(spec.name, spec.lowerdirs, paths.upper, paths.work, paths.rootfs)
        crash_point("create.mounted")
        try:
            user = resolve_user(paths.rootfs, spec.user, spec.group_add)
        except UserLookupError as exc:
            raise RuntimeFailure(f"container {spec.name}: {exc}", "use a numeric uid[:gid]") from None
        ensure_workdir(spec, paths.rootfs, user)
        prepare_mounts(spec, paths.rootfs)
        host_caps = host_bounding_set()
        try:
            caps = capability_set(spec.cap_add, spec.cap_drop, spec.privileged, host_caps)
            config = build_oci_config(
                spec,
                "rootfs",
                user=user,
                seccomp=_seccomp(spec, caps),
                init_path=find_tini() if spec.init else None,
                available_caps=host_caps,
            )
        except UnknownCapability as exc:
            raise RuntimeFailure(f"container {spec.name}: unknown capability {exc}", "see capabilities(7)") from None
        except UnavailableCapability as exc:
            hint = "drop it from cap_add"
            raise RuntimeFailure(f"container {spec.name}: this host cannot grant {exc}", hint) from None
        write_atomically(str(paths.config_json), json.dumps(config, indent=1))
        write_state(str(paths.state_file), ShimState(spec.name))
        crash_point("create.configured")
        # shim.json last: its presence is what makes the container exist.
        write_atomically(str(paths.shim_config), self._shim_config(spec, paths).to_json())

    def _shim_config(self, spec: ContainerSpec, paths: ContainerPaths) -> ShimConfig:
        try:
            stop_signal = stop_signal_number(spec.stop_signal)
        except ValueError as exc:
            raise RuntimeFailure(f"container {spec.name}: stop signal: {exc}") from None
        return ShimConfig(
            name=spec.name,
            project=spec.project,
            service=spec.service,
            state_dir=str(paths.state_dir),
            runc=self._runc().binary,
            runc_root=str(paths.runc_root),
            cgroup_path=paths.cgroup_path,
            tty=spec.tty,
            stop_signal=stop_signal,
            stop_grace=spec.stop_grace,
            restart=spec.restart,
            healthcheck=spec.healthcheck,
            readiness=spec.readiness,
            log_driver=spec.log.driver,
            log_options=dict(spec.log.options),
            log_dir=spec.log_dir or str(paths.data_dir),
            spec_hash=spec.spec_hash(),
        )

    # -- start / stop / kill -------------------------------------------------

    def start(self, name: str, stdin: int | None = None) -> None:
        paths, _ = self._existing(name)
        if supervisor_alive(read_state(str(paths.state_file))):
            return
        if not is_mounted(paths.rootfs):
            raise RuntimeFailure(f"container {name}: its root filesystem is not mounted", "remove and create it again")
        clear_final_exit(paths)
        if (paths.runc_root / name).exists():  # left by a supervisor that died
            self._runc().delete(name)
        crash_point("start.launching")
        try:
            launch_shim(name, paths.state_dir, stdin)
        except RuntimeFailure:
            state = read_state(str(paths.state_file))  # let the failed supervisor finish exiting
            if state is not None:
                wait_for_exit(state.shim_pid, state.shim_start_time, STOP_MARGIN)
            raise

    def finish_stopping(self, name: str) -> None:
        """A stop asked for by a command that was killed before it saw the end: wait for
        that end (bounded by the stop's grace), so what runs next sees an exited container."""
        paths = ContainerPaths.for_name(name)
        try:
            asked_at = paths.stop_request.stat().st_mtime
            timeout = json.loads(paths.stop_request.read_text()).get("timeout")
        except (OSError, ValueError, AttributeError):
            return
        state = read_state(str(paths.state_file))
        cfg = _load_config(paths)
        if cfg is None or not supervisor_alive(state) or state.status != "running":
            return
        # Counted from the request: a long-past `kill` of a container that ignored it is no wait.
        remaining = asked_at + (cfg.stop_grace if timeout is None else timeout) + STOP_MARGIN - time.time()
        if remaining > 0:
            wait_for_exit(state.shim_pid, state.shim_start_time, remaining)

    def stop(self, name: str, timeout: float | None = None) -> None:
        paths, cfg = self._existing(name)
        self._thaw(name, cfg)
        state = read_state(str(paths.state_file))
        grace = cfg.stop_grace if timeout is None else max(0.0, timeout)
        if supervisor_alive(state):
            assert state is not None
            request_final_exit(paths, timeout)
            signal_supervisor(state, signal.SIGTERM)
            crash_point("stop.signalled")
            if wait_for_exit(state.shim_pid, state.shim_start_time, grace + STOP_MARGIN):
                return
            kill_supervisor(state)
        self._stop_unsupervised(name, cfg, grace)
        self._close_record(paths, state)

    def _stop_unsupervised(self, name: str, cfg: ShimConfig, grace: float) -> None:
        """No supervisor (it died, or would not stop): signal through runc, then delete."""
        if not (ContainerPaths.for_name(name).runc_root / name).exists():
            return  # runc has nothing under this name
        runc = self._runc()
        runc_state = runc.state(name)
        if runc_state and runc_state.get("status") == "running" and grace > 0:
            with contextlib.suppress(RuntimeFailure):
                runc.kill(name, cfg.stop_signal)
            pid = runc_state.get("pid")
            wait_for_exit(pid, _start_time_of(pid), grace)
        runc.delete(name)

    def _close_record(self, paths: ContainerPaths, state: ShimState | None) -> None:
        """Nobody else will write it: mark the container exited, its status unknown."""
        if state is None or state.status not in ("running", "restarting"):
            return
        state.status, state.pid, state.finished_at = "exited", None, iso_time()
        state.error = state.error or f"its supervisor (pid {state.shim_pid}) died; the exit status is unknown"
        write_state(str(paths.state_file), state)

    def kill(self, name: str, signal: str = "SIGKILL") -> None:
        paths, cfg = self._existing(name)
        try:
            number = stop_signal_number(signal)
        except ValueError as exc:
            raise RuntimeFailure(f"container {name}: {exc}") from None
        if number in (9, cfg.stop_signal):
            request_final_exit(paths, None)  # as Docker: no restart after kill
            self._thaw(name, cfg)
        self._runc().kill(name, number)

    def _thaw(self, name: str, cfg: ShimConfig) -> None:
        """A frozen process cannot act on a signal, not even die of SIGKILL: resume first."""
        if is_frozen(cfg.cgroup_path):
            with contextlib.suppress(RuntimeFailure):
                self._runc().resume(name)

    def pause(self, name: str) -> None:
        self._existing(name)
        self._runc().pause(name)

    def resume(self, name: str) -> None:
        self._existing(name)
        self._runc().resume(name)

    # -- remove --------------------------------------------------------------

    def remove(self, name: str, keep_data: bool = False) -> None:
        paths = ContainerPaths.for_name(name)
        state = read_state(str(paths.state_file)) if paths.state_dir.is_dir() else None
        if supervisor_alive(state) and paths.shim_config.exists():
            with contextlib.suppress(RuntimeFailure):
                self.stop(name, timeout=0)
        if supervisor_alive(state):
            kill_supervisor(state)  # type: ignore[arg-type]
        problems = self._remove_resources(paths, keep_data)
        if problems:
            raise RuntimeFailure(f"container {name}: removal left {'; '.join(problems)}", "run remove again")

    def _remove_resources(self, paths: ContainerPaths, keep_data: bool) -> list[str]:
        problems: list[str] = []
        if (paths.runc_root / paths.name).exists():  # runc's own state dir: skip a useless runc call
            try:
                self._runc().delete(paths.name)
            except RuntimeFailure as exc:
                problems.append(exc.message)
        problems += [f"cgroup {d}" for d in remove_cgroup_dirs(paths.cgroup_path)]
        crash_point("remove.runc-deleted")
        if not problems:  # from here on it is no container, only leftovers (see create)
            paths.shim_config.unlink(missing_ok=True)
        try:
            umount(paths.name, paths.rootfs)
        except RuntimeFailure as exc:
            problems.append(exc.message)
        if is_mounted(paths.rootfs):
            return problems + [f"mount {paths.rootfs}"]
        crash_point("remove.unmounted")
        shutil.rmtree(paths.state_dir, ignore_errors=True)
        if not keep_data:
            shutil.rmtree(paths.data_dir, ignore_errors=True)
        return problems

    # -- look -----------------------------------------------------------------

    def inspect(self, name: str) -> ContainerState:
        paths, cfg = self._existing(name)
        return observe(paths, cfg, self._runc())

    def list(self, project: str | None = None, service: str | None = None) -> list[ContainerState]:
        """Containers (of the project, of its service), observed now; configs come from a cache."""
        found = []
        root = containers_dir()
        runc = self._runc()
        for state_dir in sorted(root.iterdir()) if root.is_dir() else []:
            paths = ContainerPaths.for_name(state_dir.name)
            cfg = _cached_config(paths)
            if cfg is not None and project in (None, cfg.project) and service in (None, cfg.service):
                found.append(observe(paths, cfg, runc))
        return found

    def top(self, name: str) -> list[int]:
        """Host pids of the container's processes."""
        self._existing(name)
        return self._runc().ps(name)

    def exec(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        tty: bool | None = None,
        privileged: bool = False,
    ) -> int:
        paths, cfg = self._existing(name)
        if observe(paths, cfg, self._runc()).status != "running":
            raise RuntimeFailure(f"container {name} is not running", "start it first")
        uid_gid, gids = None, ()
        if user:
            try:
                resolved = resolve_user(paths.rootfs, user)
            except UserLookupError as exc:
                raise RuntimeFailure(f"container {name}: {exc}") from None
            uid_gid, gids = (resolved.uid, resolved.gid), resolved.additional_gids
        if tty is None:
            tty = sys.stdin.isatty() and sys.stdout.isatty()
        env_list = [f"{k}={v}" for k, v in (env or {}).items()]
        caps = capability_set((), (), True, host_bounding_set()) if privileged else ()
        return self._runc().exec(name, args, tty=tty, user=uid_gid, additional_gids=gids, cwd=cwd, env=env_list, caps=caps)

    def _existing(self, name: str) -> tuple[ContainerPaths, ShimConfig]:
        paths = ContainerPaths.for_name(name)
        cfg = _load_config(paths)
        if cfg is None:
            raise RuntimeFailure(f"no such container: {name}")
        return paths, cfg


def _load_config(paths: ContainerPaths) -> ShimConfig | None:
    try:
        return load_shim_config(str(paths.state_dir))
    except (FileNotFoundError, NotADirectoryError):
        return None


_configs: dict[str, tuple[tuple[int, int, int], ShimConfig]] = {}


def _cached_config(paths: ContainerPaths) -> ShimConfig | None:
    """The container's config, parsed once per version of the file: `up` polls the list while
    it waits for conditions, and parsing every container's JSON each time made that O(n²)."""
    path = os.path.join(str(paths.state_dir), SHIM_CONFIG)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        _configs.pop(path, None)
        return None
    version = (info.st_ino, info.st_mtime_ns, info.st_size)
    cached = _configs.get(path)
    if cached is None or cached[0] != version:
        cfg = _load_config(paths)
        if cfg is None:
            return None
        _configs[path] = cached = (version, cfg)
    return cached[1]


def _seccomp(spec: ContainerSpec, caps: list[str]) -> dict | None:
    if spec.privileged or spec.seccomp == "unconfined":
        return None
    path = DEFAULT_PROFILE if spec.seccomp == "default" else spec.seccomp
    try:
        return seccomp_for(path, caps)
    except SeccompProfileError as exc:
        hint = "install golang-github-containers-common" if path == DEFAULT_PROFILE else ""
        raise RuntimeFailure(f"container {spec.name}: {exc}", hint) from None


def _start_time_of(pid: int | None) -> int | None:
    return process_start_time(pid) if pid else None
