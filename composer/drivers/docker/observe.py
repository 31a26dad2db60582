"""What `ps`, `ls`, `port`, `events`, `logs` and `stats` read from the engine: containers'
inspect data turned into the shapes the CLI formats (the runc driver's records, snapshots,
log records, stats counters)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from composer.drivers.docker.engine import engine_errors, is_missing
from composer.drivers.docker.runtime import P, parse_time
from composer.drivers.events import ContainerSnapshot
from composer.logs.api import LogRecord


@dataclass(frozen=True)
class EngineRecord:
    """What ps reads of a container (the fields of the runc driver's ContainerRecord)."""

    name: str
    service: str
    number: int
    image: str
    command: tuple[str, ...]
    created: str  # ISO 8601
    oneoff: bool
    labels: dict[str, str] = field(hash=False)


def record_of(raw: dict) -> EngineRecord:
    config = raw.get("Config") or {}
    labels = config.get("Labels") or {}
    args = tuple((config.get("Entrypoint") or []) + (config.get("Cmd") or []))
    return EngineRecord(
        name=raw["Name"].lstrip("/"), service=labels.get(P + "service", ""), number=int(labels.get(P + "container-number", "0") or 0),
        image=config.get("Image", ""), command=args, created=parse_time(raw.get("Created")).isoformat(),
        oneoff=labels.get(P + "oneoff") == "True", labels={k: v for k, v in labels.items() if not k.startswith(P)},
    )


def published_ports(raws: list[dict]) -> list[dict]:
    found = []
    for raw in raws:
        service = ((raw.get("Config") or {}).get("Labels") or {}).get(P + "service", "")
        for key, bindings in ((raw.get("NetworkSettings") or {}).get("Ports") or {}).items():
            target, _, protocol = key.partition("/")
            for binding in bindings or []:
                found.append({"name": service, "target": int(target), "protocol": protocol, "host_ip": binding.get("HostIp", ""), "published": binding.get("HostPort", "")})
    return found


def known_projects(api) -> dict[str, dict]:
    with engine_errors("list containers"):
        summaries = api.containers(all=True, filters={"label": [P + "project"]})
    found: dict[str, dict] = {}
    for summary in summaries:
        labels = summary.get("Labels") or {}
        files = labels.get(P + "project.config_files", "")
        found.setdefault(labels[P + "project"], {"working_dir": labels.get(P + "project.working_dir", ""), "files": [f for f in files.split(",") if f]})
    return found


def mounts(raw: dict) -> tuple[int, list[str]]:
    names = [m.get("Name") or m.get("Source", "") for m in raw.get("Mounts") or []]
    local = sum(1 for m in raw.get("Mounts") or [] if m.get("Type") == "volume" and m.get("Driver", "local") == "local")
    return local, names


def network_names(raw: dict) -> list[str]:
    return sorted(((raw.get("NetworkSettings") or {}).get("Networks") or {}).keys())


def snapshot(raw: dict) -> ContainerSnapshot:
    state = raw.get("State") or {}
    health = (state.get("Health") or {}).get("Status")
    labels = (raw.get("Config") or {}).get("Labels") or {}
    fields = {
        "name": raw["Name"].lstrip("/"), "service": labels.get(P + "service", ""), "status": state.get("Status", "dead"),
        "image": (raw.get("Config") or {}).get("Image", ""), "exit_code": state.get("ExitCode"), "oom_killed": bool(state.get("OOMKilled")),
        "created_at": parse_time(raw.get("Created")), "started_at": parse_time(state.get("StartedAt")),
        "finished_at": parse_time(state.get("FinishedAt")), "restart_count": raw.get("RestartCount", 0),
    }
    if health is not None and "health" in ContainerSnapshot.__dataclass_fields__:
        fields["health"] = health
    return ContainerSnapshot(**fields)


class PollingChanges:
    """state_changes(): the engine has its own event stream, but a short poll is all `events`
    and `wait` need from this context manager (wait returns after at most `timeout`)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def wait(self, timeout: float) -> bool:
        time.sleep(min(timeout, 0.5))
        return True


class EngineLogReader:
    """A container's log through the engine (whatever log driver it has that the engine can
    read back: json-file, local, journald)."""

    def __init__(self, api, name: str) -> None:
        self.api, self.name = api, name

    def read(self, tail: int | None = None, since_ns: int | None = None, until_ns: int | None = None) -> Iterator[LogRecord]:
        kwargs = {}
        if since_ns is not None:
            kwargs["since"] = since_ns / 1e9
        if until_ns is not None:
            kwargs["until"] = until_ns / 1e9
        with engine_errors(f"logs of {self.name}"):
            yield from _records(self._stream(False, tail, **kwargs))

    def follow(self, stopped: Callable[[], bool], tail: int | None = None) -> Iterator[LogRecord]:
        """Lines as they come, until stopped() (checked at each line, and every second by a
        watcher that closes the stream so a quiet container does not hold us)."""
        with engine_errors(f"logs of {self.name}"):
            chunks = self._stream(True, tail)
            threading.Thread(target=_close_when, args=(stopped, chunks), daemon=True).start()
            try:
                for record in _records(chunks):
                    yield record
                    if stopped():
                        return
            except Exception as exc:
                if not stopped() and not is_missing(exc):
                    raise

    def _stream(self, follow: bool, tail: int | None, **kwargs):
        """The engine's stream (stdout and stderr as one: the API's demultiplexing is not kept)."""
        return self.api.logs(self.name, stdout=True, stderr=True, stream=True, timestamps=True, follow=follow, tail="all" if tail is None else tail, **kwargs)


def _close_when(stopped: Callable[[], bool], chunks) -> None:
    while not stopped():
        time.sleep(1.0)
    chunks.close()


def _records(chunks) -> Iterator[LogRecord]:
    """Whole lines ("<RFC 3339 time> <text>") from chunks that may split or join them."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _record(line)
    if pending:
        yield _record(pending)


def _record(line: bytes) -> LogRecord:
    stamp, _, text = line.decode("utf-8", "replace").partition(" ")
    when = parse_time(stamp)
    return LogRecord(int(when.timestamp() * 1e9) if when else 0, "stdout", text)


def stats_sample(api, name: str) -> dict | None:
    with engine_errors(f"stats of {name}"):
        raw = api.stats(name, stream=False)
    if not raw.get("read") or raw.get("read", "").startswith("0001-") or not raw.get("pids_stats"):
        return None
    cpu = raw.get("cpu_stats") or {}
    memory = raw.get("memory_stats") or {}
    blkio = (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    networks = raw.get("networks") or {}
    usage = memory.get("usage", 0) - (memory.get("stats") or {}).get("inactive_file", 0)
    return {
        "cpu_ns": (cpu.get("cpu_usage") or {}).get("total_usage", 0), "system_ns": cpu.get("system_cpu_usage", 0),
        "online_cpus": cpu.get("online_cpus", 1), "memory": max(usage, 0), "memory_limit": memory.get("limit", 0),
        "block_read": sum(e["value"] for e in blkio if e.get("op", "").lower() == "read"),
        "block_write": sum(e["value"] for e in blkio if e.get("op", "").lower() == "write"),
        "net_rx": sum(n.get("rx_bytes", 0) for n in networks.values()), "net_tx": sum(n.get("tx_bytes", 0) for n in networks.values()),
        "pids": (raw.get("pids_stats") or {}).get("current", 0),
    }
