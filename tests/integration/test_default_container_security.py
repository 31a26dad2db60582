"""What a default service's container can do, seen from inside it (compose up, then exec),
against Docker's defaults: its 14 capabilities and nothing more, no-new-privileges,
seccomp on, Docker's masked and read-only /proc and /sys paths, Docker's default devices
and no others reachable, and none of the host's namespaces (but the user one, as Docker).
"""

from __future__ import annotations

import os

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

DOCKER_CAPS = "00000000a80425fb"  # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
# moby's oci/defaults.go (20.10, Debian 12's docker.io)
DOCKER_MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                 "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]  # fmt: skip
DOCKER_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
DOCKER_DEV = {"fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}
NAMESPACES = ["pid", "net", "ipc", "uts", "mnt", "cgroup"]

SCRIPT = r"""
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\t' | sed 's/:/ /'
for p in {masked}; do
  if [ -d "$p" ]; then echo "masked $p entries=$(ls -A "$p" | wc -l)"
  elif [ -e "$p" ]; then echo "masked $p bytes=$(head -c 64 "$p" | wc -c)"
  else echo "masked $p absent"; fi
done
awk '{{print "mount", $5, $6}}' /proc/self/mountinfo
for p in {readonly}; do [ -e "$p" ] && echo "present $p"; done
echo "dev $(ls -A /dev | tr '\n' ' ')"
for ns in {namespaces} user; do echo "ns $ns $(readlink /proc/self/ns/$ns)"; done
mknod /tmp/disk b 8 0 && (head -c 1 /tmp/disk >/dev/null 2>&1 && echo "block readable" || echo "block refused")
mknod /tmp/mem c 1 1 && (head -c 1 /tmp/mem >/dev/null 2>&1 && echo "mem readable" || echo "mem refused")
echo x > /proc/sysrq-trigger 2>/dev/null && echo "sysrq writable" || echo "sysrq refused"
"""


def facts(text: str) -> dict[str, list[str]]:
    """Lines as `kind rest…` → kind → [rest, …]."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        found.setdefault(kind, []).append(rest)
    return found


def test_a_default_container_has_dockers_defaults_and_nothing_more(project):
    project.write(f"services:\n  probe:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n")
    project.compose("up", "-d", check=True)
    script = SCRIPT.format(masked=" ".join(DOCKER_MASKED), readonly=" ".join(DOCKER_READONLY), namespaces=" ".join(NAMESPACES))
    out = facts(project.compose("exec", "-T", "probe", "sh", "-c", script, check=True).stdout)
    status = {key: out[key] for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")}
    assert status == {"CapInh": ["0000000000000000"], "CapPrm": [DOCKER_CAPS], "CapEff": [DOCKER_CAPS], "CapBnd": [DOCKER_CAPS],
                      "CapAmb": ["0000000000000000"], "NoNewPrivs": ["1"], "Seccomp": ["2"]}  # fmt: skip
    for line in out["masked"]:  # each masked path reads as nothing (a /dev/null bind or an empty tmpfs), or is not there
        assert line.endswith(("entries=0", "bytes=0", "absent")), line
    mounts = {mountpoint: options.split(",") for mountpoint, options in (line.split(" ") for line in out["mount"])}
    for path in out["present"]:  # a kernel without /proc/sysrq-trigger (this VM's) has nothing to protect
        assert "ro" in mounts.get(path, []), f"{path} is not a read-only mount: {mounts.get(path)}"
    core = {"core"} if os.path.exists("/proc/kcore") else set()  # runc links /dev/core only where the host has kcore
    assert set(out["dev"][0].split()) == DOCKER_DEV | core
    assert out["block"] == ["refused"] and out["mem"] == ["refused"]  # the device cgroup: mknod works, opening does not
    assert out["sysrq"] == ["refused"]
    assert set(out["present"]) >= {"/proc/bus", "/proc/sys"}
    inside = dict(line.split(" ", 1) for line in out["ns"])
    for ns in NAMESPACES:
        assert inside[ns] != os.readlink(f"/proc/self/ns/{ns}"), f"the container shares the host's {ns} namespace"
    assert inside["user"] == os.readlink("/proc/self/ns/user")  # as Docker without userns-remap
