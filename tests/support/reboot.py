"""A simulated host reboot, for one project: what a reboot takes away goes, the data root stays.

Processes (supervisors, container processes, forwarders) are killed with SIGKILL, mounts
and cgroups, network namespaces, links and firewall rules vanish, and the run dir is
emptied; the data root (images, volumes, upper dirs, address leases) is kept as it is.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from composer import paths
from netplugins import firewall, forward_accept, netns
from netplugins.names import bridge_name
from tests.support import leftovers


def reboot(project: str, network_keys: tuple[str, ...]) -> None:
    for _ in range(50):  # bounded: keepers and supervisors are killed as they are found
        pids = [int(line.split()[0]) for line in leftovers._processes(project)]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    for mount in reversed(leftovers._mounts(f"{project}-")):
        subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
    for cgroup in leftovers.leftovers(project, network_keys).get("cgroups", []):
        for child in sorted(Path(cgroup).glob("**/"), key=lambda p: -len(p.parts)):
            child.rmdir()
    for name in netns.list_names(f"{project}-"):
        netns.delete(name)
    for bridge in (bridge_name(project, key) for key in network_keys):
        subprocess.run(["ip", "link", "del", bridge], check=False, capture_output=True)
        firewall.remove(bridge)
        forward_accept.remove(bridge)
    shutil.rmtree(paths.run_root())
