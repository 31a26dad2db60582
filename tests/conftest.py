"""Test-wide set-up: a private data root and run dir per session, and leak guards.

Every session gets its own COMPOSER_ROOT and COMPOSER_RUN under a temporary dir, so
tests never touch /var/lib/composer or /run/composer. At the end of the session the
host is compared with how it was at the start: new network namespaces, links, mounts
under composer paths, supervisor processes or runc containers fail the run
(COMPOSER_LEAK_GUARD=warn only reports them, for running suites side by side).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

IS_ROOT = os.geteuid() == 0


def pytest_configure(config: pytest.Config) -> None:
    base = Path(tempfile.mkdtemp(prefix="composer-test-"))
    os.environ.setdefault("COMPOSER_ROOT", str(base / "root"))
    os.environ.setdefault("COMPOSER_RUN", str(base / "run"))
    config._composer_base = base  # type: ignore[attr-defined]
    config._composer_snapshot = host_snapshot()  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_root = pytest.mark.skip(reason="needs root")
    for item in items:
        if "needs_root" in item.keywords and not IS_ROOT:
            item.add_marker(skip_root)


def _lines(cmd: list[str]) -> set[str]:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def host_snapshot() -> dict[str, set[str]]:
    """What this host has now that a test could leave behind."""
    mounts = set()
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            mountpoint = line.split()[4]
            if "composer" in mountpoint:
                mounts.add(mountpoint)
    links = _link_names()
    procs = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "composer.shim.zygote" in cmdline and _parent_of(pid) == os.getpid():
            continue  # this process's own supervisor zygote: it ends when we do
        if "composer.shim" in cmdline or "netplugins.forwarder" in cmdline:
            procs.add(f"{pid} {cmdline.strip()}")
    return {
        "network namespaces": _lines(["ip", "netns", "list"]),
        "links": links,
        "mounts": mounts,
        "supervisor processes": procs,
        "runc containers": _runc_containers(),
        # Containers' cgroups are directories; the files of the parent `composer` cgroup that
        # a fresh machine's first container creates are not something a test left behind.
        "firewall chains": _firewall_chains(),
        "cgroups": {str(p) for p in Path("/sys/fs/cgroup").glob("*/composer/*") if p.is_dir()},
    }


def _firewall_chains() -> set[str]:
    """Bridges with nft chains in our table or iptables chains of ours (any backend)."""
    try:
        from netplugins import firewall, forward_accept

        return {f"nft:{b}" for b in firewall.bridges_with_rules()} | {f"iptables:{b}" for b in forward_accept.bridges_with_rules()}
    except Exception:  # no nft/iptables on this host: nothing of ours can be there either
        return set()


def _parent_of(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _runc_containers() -> set[str]:
    if not shutil.which("runc"):
        return set()
    roots = [Path(os.environ.get("COMPOSER_RUN", "/run/composer")) / "runc", Path("/run/runc")]
    found = set()
    for root in roots:
        if root.is_dir():
            found |= {f"{root}:{name}" for name in _lines(["runc", "--root", str(root), "list", "-q"])}
    return found


def _link_names() -> set[str]:
    try:
        out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    names = set()
    for line in out.splitlines():
        parts = line.split(": ")
        if len(parts) > 1:
            names.add(parts[1].split("@")[0])
    return names


def leaked_since(before: dict[str, set[str]]) -> dict[str, set[str]]:
    after = host_snapshot()
    return {kind: after[kind] - before.get(kind, set()) for kind in after if after[kind] - before.get(kind, set())}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    before = getattr(config, "_composer_snapshot", None)
    base = getattr(config, "_composer_base", None)
    if before is None:
        return
    leaks = leaked_since(before)
    if leaks:
        report = "\n".join(f"  {kind}: {' '.join(sorted(items))}" for kind, items in leaks.items())
        print(f"\nLEAK GUARD: the tests left these behind:\n{report}")
        if os.environ.get("COMPOSER_LEAK_GUARD", "fail") != "warn" and session.exitstatus == 0:
            session.exitstatus = 1
    elif base is not None:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def tmp_project(tmp_path: Path) -> Path:
    """An empty project directory whose name is a valid, unique project name."""
    project = tmp_path / f"p{os.getpid()}{abs(hash(str(tmp_path))) % 100000}"
    project.mkdir()
    return project
