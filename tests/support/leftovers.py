"""Everything of one project left on the host, kind by kind: what `down -v` must leave empty.

Filtered by the project's name (container names are `<project>-…`, links carry the project
in their ifalias, leases name it), so it is exact while other suites run beside ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from composer import paths
from netplugins import firewall, forward_accept
from netplugins.names import bridge_name
from netplugins.netlink import open_netlink


def leftovers(project: str, network_keys: tuple[str, ...] = ("default",)) -> dict[str, list[str]]:
    """Kind → what of `project` is still there (kinds with nothing are left out)."""
    prefix = f"{project}-"
    bridges = {bridge_name(project, key) for key in network_keys}
    found = {
        "network namespaces": [n for n in _netns() if n.startswith(prefix)],
        "links": _links(project, bridges),
        "nft chains": sorted(firewall.bridges_with_rules() & bridges),
        "iptables chains": sorted(forward_accept.bridges_with_rules() & bridges),
        "mounts": _mounts(prefix),
        "cgroups": sorted(str(p) for p in Path("/sys/fs/cgroup").glob("*/composer/*") if p.is_dir() and p.name.startswith(prefix)),
        "processes": _processes(project),
        "runc state": [n for n in _runc_names() if n.startswith(prefix)],
        "address leases": _leases(project),
        "run dir": _entries(paths.run_root() / "containers", prefix) + _entries(paths.run_root() / "projects", project, exact=True),
        "data dir": _entries(paths.data_root() / "containers", prefix) + _entries(paths.data_root() / "volumes", f"{project}_"),
    }
    return {kind: items for kind, items in found.items() if items}


def _netns() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _links(project: str, bridges: set[str]) -> list[str]:
    with open_netlink() as host:
        return sorted(link.name for link in host.links() if link.name in bridges or project in (link.alias or ""))


def _mounts(prefix: str) -> list[str]:
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    return sorted(p for p in points if f"/{prefix}" in p)


def _processes(project: str) -> list[str]:
    """Supervisors (forked from a zygote: their working dir is the container's state dir),
    forwarders (their command lines name the project's dirs) and container processes
    (their cgroup names the container)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cgroup = Path(f"/proc/{pid}/cgroup").read_text()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        ours = "composer" in cmdline or "netplugins" in cmdline
        if f"/{project}-" in cgroup or (ours and (f"/{project}" in cmdline or f"/containers/{project}-" in cwd)):
            found.append(f"{pid} {cmdline.strip()[:120]}")
    return found


def _runc_names() -> list[str]:
    root = paths.run_root() / "runc"
    if not root.is_dir() or not shutil.which("runc"):
        return []
    out = subprocess.run(["runc", "--root", str(root), "list", "-q"], capture_output=True, text=True, timeout=10).stdout
    return out.split()


def _leases(project: str) -> list[str]:
    root = paths.data_root() / "ipam"
    found = []
    for lease in (root / "leases").glob("*/*"):
        try:
            if not lease.name.startswith(".") and lease.read_text().splitlines()[2:3] == [project]:
                found.append(str(lease))
        except (OSError, IndexError):
            continue
    for subnet in (root / "subnets").glob("*.json"):
        if f'"{project}"' in subnet.read_text():
            found.append(str(subnet))
    return sorted(found)


def _entries(directory: Path, prefix: str, exact: bool = False) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(str(p) for p in directory.iterdir() if (p.name == prefix if exact else p.name.startswith(prefix)))
