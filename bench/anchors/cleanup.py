"""Remove everything a bench run made, whether it ended well, raised, was interrupted or crashed.

The sweep needs no record of what was made beyond the layout: processes are found by
the base dir in their command line or environment, Docker's containers by their cgroup
parent, mounts by their path, bridges by their name prefix. Each step tolerates
finding nothing, so sweeping twice is harmless.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench.anchors.layout import BRIDGE_PREFIX, CGROUP_PARENT, PROJECT_PREFIX, Layout

CGROUP_ROOT = Path("/sys/fs/cgroup")


def sweep(layout: Layout, log=lambda message: None) -> list[str]:
    """Stop and remove everything under layout.base; returns what it had to remove."""
    removed: list[str] = []
    removed += _down_composer_projects(layout)
    removed += _stop_processes(layout.base)
    removed += _kill_cgroups()
    removed += _delete_netns()
    removed += _unmount_under(layout.base)
    removed += _delete_bridges()
    removed += _delete_nft_chains()
    if layout.base.exists():
        shutil.rmtree(layout.base, ignore_errors=True)
    if removed:
        kinds = Counter(line.split()[0] for line in removed)
        log("cleanup: removed " + ", ".join(f"{count} {kind}(s)" for kind, count in sorted(kinds.items())))
    return removed


def _down_composer_projects(layout: Layout) -> list[str]:
    """`compose down` what our side brought up, while its state is still on disk."""
    done = []
    env = dict(os.environ, **layout.composer_env())
    for name, compose_file in layout.recorded_composer_projects():
        if not compose_file.exists():
            continue
        try:
            result = subprocess.run(
                [sys.executable, "-m", "composer", "-f", str(compose_file), "-p", name, "down", "-t", "1"],
                env=env, capture_output=True, timeout=120,
            )
        except subprocess.TimeoutExpired:
            continue
        if result.returncode == 0:
            done.append(f"composer project {name} taken down")
    return done


def _stop_processes(base: Path) -> list[str]:
    """SIGTERM, then SIGKILL, every process of ours: dockerd, containerd and shims name the base
    dir in their command line; our side's supervisors carry COMPOSER_ROOT/RUN under it, and
    Compose v2 processes (a `watch`) DOCKER_HOST."""
    victims = list(_processes_of(base))
    if not victims:
        return []
    for pid in victims:
        _signal(pid, signal.SIGTERM)
    _wait_gone(victims, seconds=20.0)
    for pid in victims:
        _signal(pid, signal.SIGKILL)
    _wait_gone(victims, seconds=5.0)
    return [f"process {pid} stopped" for pid in victims]


def _processes_of(base: Path) -> Iterator[int]:
    spared = _self_and_ancestors()
    in_cmdline = str(base).encode()
    in_environ = [f"{var}={base}/".encode() for var in ("COMPOSER_ROOT", "COMPOSER_RUN")]
    in_environ.append(f"DOCKER_HOST=unix://{base}/".encode())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spared:
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if in_cmdline in cmdline or any(marker in environ for marker in in_environ):
            yield int(entry)


def _self_and_ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pids: list[int], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(_alive(pid) for pid in pids):
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_cgroups() -> list[str]:
    """Kill what is left in the Docker engine's cgroups, then remove them, deepest first."""
    groups = sorted(_bench_cgroups(), key=lambda p: len(p.parts), reverse=True)
    removed = []
    for group in groups:
        for pid in _cgroup_pids(group):
            _signal(pid, signal.SIGKILL)
    for group in groups:
        for _ in range(50):
            try:
                group.rmdir()
                removed.append(f"cgroup {group}")
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)  # its last process is still exiting
    return removed


def _bench_cgroups() -> Iterator[Path]:
    """The Docker engine's (composer-bench/…) and our side's bench containers' (composer/cbench-…)."""
    if not CGROUP_ROOT.is_dir():
        return
    for hierarchy in CGROUP_ROOT.iterdir():
        for top in _find_dirs(hierarchy, CGROUP_PARENT, depth=3):
            yield top
            yield from (p for p in top.rglob("*") if p.is_dir())
        for composer_group in _find_dirs(hierarchy, "composer", depth=3):
            for child in composer_group.glob(f"{PROJECT_PREFIX}-*"):
                if child.is_dir():
                    yield from (p for p in child.rglob("*") if p.is_dir())
                    yield child


def _find_dirs(root: Path, name: str, depth: int) -> Iterator[Path]:
    try:
        children = [c for c in root.iterdir() if c.is_dir()]
    except OSError:
        return
    for child in children:
        if child.name == name:
            yield child
        elif depth > 0:
            yield from _find_dirs(child, name, depth - 1)


def _cgroup_pids(group: Path) -> list[int]:
    try:
        return [int(line) for line in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _delete_netns() -> list[str]:
    """Our side's container namespaces (/run/netns/<project>-<service>-<n>) of bench projects."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
    names = [line.split()[0] for line in out.splitlines() if line.startswith(PROJECT_PREFIX + "-")]
    for name in names:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10)
    return [f"netns {name}" for name in names]


def _unmount_under(base: Path) -> list[str]:
    """Lazily unmount every mount below base (overlay rootfs, netns bind mounts), deepest first."""
    prefix = str(base) + "/"
    points = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(prefix) or point == str(base):
                points.append(point)
    for point in sorted(set(points), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=30)
    return [f"mount {p}" for p in sorted(set(points))]


def _delete_bridges() -> list[str]:
    """Delete our Docker bridges (named BRIDGE_PREFIX…) and any veth still enslaved to them."""
    links = _links()
    bridges = {name for name in links if name.startswith(BRIDGE_PREFIX)}
    doomed = [name for name, master in links.items() if master in bridges] + sorted(bridges)
    for name in doomed:
        subprocess.run(["ip", "link", "delete", name], capture_output=True, timeout=10)
    return [f"link {name}" for name in doomed]


def _delete_nft_chains() -> list[str]:
    """Our side's firewall chains for our bridges (fwd-cbn-…, nat-cbn-… in `inet composer`)."""
    chains = _our_nft_chains()
    if chains:
        script = "".join(f"flush chain inet composer {c}\ndelete chain inet composer {c}\n" for c in chains)
        subprocess.run(["nft", "-f", "-"], input=script, capture_output=True, text=True, timeout=10)
    return [f"nft-chain {c}" for c in chains]


def _our_nft_chains() -> list[str]:
    if not shutil.which("nft"):
        return []
    result = subprocess.run(["nft", "-j", "list", "table", "inet", "composer"], capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        return []  # no such table: nothing of ours
    items = json.loads(result.stdout).get("nftables", [])
    names = [item["chain"]["name"] for item in items if "chain" in item]
    return [name for name in names if name.startswith((f"fwd-{BRIDGE_PREFIX}", f"nat-{BRIDGE_PREFIX}"))]


def _links() -> dict[str, str | None]:
    """Link name → its master's name (None when it has no master)."""
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, timeout=10).stdout
    links: dict[str, str | None] = {}
    for line in out.splitlines():
        parts = line.split(": ")
        if len(parts) < 2:
            continue
        name = parts[1].split("@")[0]
        words = line.split()
        links[name] = words[words.index("master") + 1] if "master" in words else None
    return links


def leftovers(layout: Layout) -> list[str]:
    """What of a run is still on the host (empty when the sweep did its job)."""
    found = [f"process {pid}" for pid in _processes_of(layout.base)]
    found += [f"cgroup {group}" for group in _bench_cgroups()]
    prefix = str(layout.base) + "/"
    with open("/proc/self/mountinfo") as handle:
        found += [f"mount {line.split()[4]}" for line in handle if line.split()[4].startswith(prefix)]
    found += [f"link {name}" for name in _links() if name.startswith(BRIDGE_PREFIX)]
    found += [f"nft-chain {name}" for name in _our_nft_chains()]
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
    found += [f"netns {line.split()[0]}" for line in netns.splitlines() if line.startswith(PROJECT_PREFIX + "-")]
    if layout.base.exists():
        found.append(f"directory {layout.base}")
    return found
