"""`compose stats`: one sample of a container's counters, from its cgroups (v1 or v2) and the
network devices its netns shows in /proc/<pid>/net/dev (no netlink, no pyroute2).

What Docker's stats API reports, with the same rules: memory usage is the cgroup's usage
less its inactive file cache; the limit is the cgroup's, or the host's memory if higher.
"""

from __future__ import annotations

import os
from pathlib import Path

from composer.runtime.oci import cgroup_path
from composer.shim.cgroupfs import controller_dir


def sample(name: str, state) -> dict | None:
    if state.status not in ("running", "paused") or not state.pid:
        return None
    group = cgroup_path(name)
    memory, limit = _memory(group)
    read, written = _block_io(group)
    rx, tx = _net_io(state.pid)
    return {
        "cpu_ns": _cpu_ns(group), "system_ns": system_cpu_ns(), "online_cpus": os.cpu_count() or 1,
        "memory": memory, "memory_limit": limit, "block_read": read, "block_write": written,
        "net_rx": rx, "net_tx": tx, "pids": _pids(group),
    }


def system_cpu_ns() -> int:
    """All CPUs' time since boot (the first line of /proc/stat), as Docker's SystemUsage."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()[1:8]
    return sum(int(v) for v in fields) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def _dir(controller: str, group: str) -> tuple[Path, int] | None:
    found = controller_dir(controller, group)
    return (Path(found[0]), found[1]) if found else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _flat(text: str) -> dict[str, int]:
    pairs = (line.split() for line in text.splitlines())
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


def _cpu_ns(group: str) -> int:
    found = _dir("cpuacct", group)
    if found and found[1] == 1:
        return int(_read(found[0] / "cpuacct.usage").strip() or 0)
    found = _dir("cpu", group)
    return _flat(_read(found[0] / "cpu.stat")).get("usage_usec", 0) * 1000 if found else 0


def _memory(group: str) -> tuple[int, int]:
    host = _host_memory()
    found = _dir("memory", group)
    if found is None:
        return 0, host
    directory, version = found
    if version == 1:
        usage = int(_read(directory / "memory.usage_in_bytes").strip() or 0)
        inactive = _flat(_read(directory / "memory.stat")).get("total_inactive_file", 0)
        limit = int(_read(directory / "memory.limit_in_bytes").strip() or host)
    else:
        usage = int(_read(directory / "memory.current").strip() or 0)
        inactive = _flat(_read(directory / "memory.stat")).get("inactive_file", 0)
        text = _read(directory / "memory.max").strip()
        limit = int(text) if text.isdigit() else host
    return (usage - inactive if inactive < usage else usage), min(limit, host)


def _host_memory() -> int:
    for line in _read(Path("/proc/meminfo")).splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _block_io(group: str) -> tuple[int, int]:
    """Bytes read and written (Docker sums the Read and Write rows of every device)."""
    found = _dir("blkio", group)
    read = written = 0
    if found and found[1] == 1:
        for line in _read(found[0] / "blkio.throttle.io_service_bytes").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("Read", "Write"):
                read, written = (read + int(parts[2]), written) if parts[1] == "Read" else (read, written + int(parts[2]))
        return read, written
    found = _dir("io", group)
    for line in _read(found[0] / "io.stat").splitlines() if found else ():
        fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        read, written = read + int(fields.get("rbytes", 0)), written + int(fields.get("wbytes", 0))
    return read, written


def _net_io(pid: int) -> tuple[int, int]:
    """Received and sent bytes of the container's interfaces but loopback (Docker counts its endpoints)."""
    rx = tx = 0
    for line in _read(Path(f"/proc/{pid}/net/dev")).splitlines()[2:]:
        device, _, counters = line.partition(":")
        values = counters.split()
        if device.strip() != "lo" and len(values) >= 9:
            rx, tx = rx + int(values[0]), tx + int(values[8])
    return rx, tx


def _pids(group: str) -> int:
    found = _dir("pids", group)
    text = _read(found[0] / "pids.current").strip() if found else ""
    return int(text) if text.isdigit() else 1
