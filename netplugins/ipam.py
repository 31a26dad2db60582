"""Host-local style address management: subnets per network, one lease file per address.

    <root>/lock                         fcntl lock held by every change (one per data root)
    <root>/subnets/<network>.json       the network's subnet, gateway, range, owner
    <root>/leases/<network>/<ip>        one file per leased address: "container\\nifname\\nproject\\n"
    <root>/leases/<network>/.last       the last address handed out (round-robin, like host-local)

A subnet comes from `ipam.config` or from the pool (COMPOSER_SUBNET_POOL, default
10.213.0.0/16, cut into /COMPOSER_SUBNET_SIZE, default 24), skipping anything that
overlaps a host route or another network's subnet. Pure file logic: the caller reads
host routes (netlink) and passes them in, so this module is unit-testable without root.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
from dataclasses import asdict, dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from .atomic import write_atomically
from .api import AttachmentKey, ErrorCode, IpamPool, PluginError
from .names import is_plain_name

DEFAULT_POOL = "10.213.0.0/16"  # not Docker (172.17+/192.168), podman (10.88/10.89), k8s or k3s
DEFAULT_SIZE = 24
POOL_ENV = "COMPOSER_SUBNET_POOL"
SIZE_ENV = "COMPOSER_SUBNET_SIZE"


@dataclass(frozen=True)
class SubnetRecord:
    network: str
    project: str
    key: str
    subnet: str
    gateway: str
    bridge: str
    ip_range: str | None = None
    external: bool = False

    @property
    def net(self) -> IPv4Network:
        return IPv4Network(self.subnet)


class Lease(NamedTuple):
    key: AttachmentKey | None  # None: unreadable (a crash mid-write)
    owner: str  # the project that took it


@dataclass(frozen=True)
class SubnetRequest:
    network: str
    project: str
    key: str
    bridge: str
    pool: IpamPool | None = None  # explicit ipam.config entry, else allocate
    external: bool = False


def pool_from_env() -> tuple[IPv4Network, int]:
    """The pool and the prefix length of the subnets cut from it."""
    raw_pool = os.environ.get(POOL_ENV, DEFAULT_POOL)
    raw_size = os.environ.get(SIZE_ENV, str(DEFAULT_SIZE))
    try:
        pool = IPv4Network(raw_pool)
    except ValueError:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"{POOL_ENV}={raw_pool!r} is not an IPv4 network",
                          "use CIDR such as 10.213.0.0/16") from None
    if not raw_size.isdigit() or not pool.prefixlen <= int(raw_size) <= 30:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"{SIZE_ENV}={raw_size!r} is not a prefix length",
                          f"use a number between {pool.prefixlen} and 30")
    return pool, int(raw_size)


class Ipam:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- subnets -------------------------------------------------------------------------

    def subnet(self, network: str) -> SubnetRecord | None:
        try:
            data = json.loads(self._subnet_file(network).read_text())
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as err:
            raise PluginError(ErrorCode.IO_FAILURE, f"network {network}: IPAM record {self._subnet_file(network)} is corrupt",
                              "remove the network with `compose down`", str(err)) from None
        return SubnetRecord(**data)

    def subnets(self) -> list[SubnetRecord]:
        folder = self.root / "subnets"
        names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        return [record for name in names if (record := self.subnet(name)) is not None]

    def ensure_subnet(self, request: SubnetRequest, host_routes: Iterable[IPv4Network]) -> tuple[SubnetRecord, bool]:
        """The network's subnet record, made if missing; (record, created)."""
        _require_plain(request.network)
        with self.locked():
            existing = self.subnet(request.network)
            if existing is not None:
                _require_same(existing, request)
                return existing, False
            record = self._new_record(request, list(host_routes))
            _write_json(self._subnet_file(request.network), asdict(record))
            return record, True

    def release_subnet(self, network: str) -> None:
        """Forget the network's subnet and every lease on it; missing is fine."""
        with self.locked():
            self._subnet_file(network).unlink(missing_ok=True)
            folder = self._lease_dir(network)
            if folder.is_dir():
                for entry in folder.iterdir():
                    entry.unlink(missing_ok=True)
                folder.rmdir()

    def _new_record(self, request: SubnetRequest, host_routes: list[IPv4Network]) -> SubnetRecord:
        others = [r for r in self.subnets() if r.network != request.network]
        pool = request.pool
        if pool is not None and pool.subnet:
            subnet = _parse_net(request.network, "subnet", pool.subnet)
            if not request.external:
                _require_no_overlap(request.network, subnet, host_routes, others)
        else:
            subnet = _pick_free_subnet(request.network, host_routes, others)
        gateway = _gateway(request.network, subnet, pool.gateway if pool else None)
        ip_range = _ip_range(request.network, subnet, pool.ip_range if pool else None)
        return SubnetRecord(request.network, request.project, request.key, str(subnet), str(gateway),
                            request.bridge, str(ip_range) if ip_range else None, request.external)

    # --- leases --------------------------------------------------------------------------

    def leases(self, network: str) -> dict[IPv4Address, AttachmentKey | None]:
        """Every leased address on the network and its holder (None: unreadable lease)."""
        return {address: lease.key for address, lease in self._leases(network).items()}

    def _leases(self, network: str) -> dict[IPv4Address, Lease]:
        folder = self._lease_dir(network)
        if not folder.is_dir():
            return {}
        out: dict[IPv4Address, Lease] = {}
        for entry in folder.iterdir():
            try:
                address = IPv4Address(entry.name)
            except ValueError:  # .last and anything else that is not a lease
                continue
            out[address] = _read_lease(network, entry)
        return out

    def reserve(self, key: AttachmentKey, requested: str | None = None, owner: str = "") -> tuple[IPv4Interface, bool]:
        """An address for key: its existing lease, the requested one, or the next free one.

        `owner` is the project asking; gc of a shared network only touches its own leases.
        """
        with self.locked():
            record = self.subnet(key.network)
            if record is None:
                raise PluginError(ErrorCode.NETWORK_MISSING, f"network {key.network} has no subnet",
                                  "create the network before attaching containers")
            leases = self.leases(key.network)
            mine = [ip for ip, holder in leases.items() if holder == key]
            if mine:
                _require_requested_matches(key, mine[0], requested)
                return IPv4Interface(f"{mine[0]}/{record.net.prefixlen}"), False
            address = self._claim(record, Lease(key, owner), leases, requested)
            return IPv4Interface(f"{address}/{record.net.prefixlen}"), True

    def release(self, key: AttachmentKey) -> list[IPv4Address]:
        """Drop every lease held by key; returns the addresses freed."""
        with self.locked():
            return [ip for ip, _ in self._release_where(key.network, lambda lease: lease.key == key)]

    def release_all_except(self, network: str, valid: set[AttachmentKey],
                           owner: str | None = None) -> list[tuple[IPv4Address, AttachmentKey | None]]:
        """gc: drop leases whose holder is not in valid (unreadable leases included).

        With `owner`, only that project's leases (and unreadable ones) are candidates.
        """
        def doomed(lease: Lease) -> bool:
            return lease.key is None or (lease.key not in valid and owner in (None, lease.owner))

        with self.locked():
            return [(ip, lease.key) for ip, lease in self._release_where(network, doomed)]

    def _release_where(self, network: str, condition: Callable[[Lease], bool]) -> list[tuple[IPv4Address, Lease]]:
        freed = []
        for ip, lease in self._leases(network).items():
            if condition(lease):
                (self._lease_dir(network) / str(ip)).unlink(missing_ok=True)
                freed.append((ip, lease))
        return freed

    def _claim(self, record: SubnetRecord, lease: Lease, leases: dict, requested: str | None) -> IPv4Address:
        key = lease.key
        if requested is not None:
            address = _requested_address(record, key, requested)
            if address in leases or not self._create_lease(record.network, address, lease):
                holder = leases.get(address)
                who = holder.container_id if holder else "another container"
                raise PluginError(ErrorCode.ADDRESS_IN_USE, f"network {key.network}: {address} is already used by {who}",
                                  "pick another ipv4_address")
            return address
        for address in _candidates(record, self._last(record.network)):
            if address not in leases and self._create_lease(record.network, address, lease):
                (self._lease_dir(record.network) / ".last").write_text(str(address))
                return address
        raise PluginError(ErrorCode.ADDRESS_EXHAUSTED, f"network {key.network}: no free address left in {record.ip_range or record.subnet}",
                          "use a larger subnet or remove stopped containers")

    def _create_lease(self, network: str, address: IPv4Address, lease: Lease) -> bool:
        folder = self._lease_dir(network)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / str(address)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, f"{lease.key.container_id}\n{lease.key.ifname}\n{lease.owner}\n".encode())
        except OSError:
            path.unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        return True

    def _last(self, network: str) -> IPv4Address | None:
        try:
            return IPv4Address((self._lease_dir(network) / ".last").read_text().strip())
        except (OSError, ValueError):
            return None

    def _subnet_file(self, network: str) -> Path:
        return self.root / "subnets" / f"{network}.json"

    def _lease_dir(self, network: str) -> Path:
        return self.root / "leases" / network


# --- pure helpers --------------------------------------------------------------------------

def _require_plain(network: str) -> None:
    if not is_plain_name(network):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network name {network!r} is not usable on the host",
                          "use letters, digits, '_', '.' and '-'")


def _parse_net(network: str, what: str, text: str) -> IPv4Network:
    try:
        return IPv4Network(text)
    except ValueError:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {network}: ipam {what} {text!r} is not an IPv4 network in CIDR form",
                          "write it like 172.28.0.0/16 (host bits zero)") from None


def _require_same(existing: SubnetRecord, request: SubnetRequest) -> None:
    wanted = request.pool.subnet if request.pool else None
    if wanted and IPv4Network(wanted, strict=False) != existing.net:
        raise PluginError(ErrorCode.INVALID_CONFIG,
                          f"network {existing.network} exists with subnet {existing.subnet} but the configuration asks for {wanted}",
                          "run `compose down` to recreate the network")


def _require_no_overlap(network: str, subnet: IPv4Network, routes: list[IPv4Network], others: list[SubnetRecord]) -> None:
    for other in others:
        if subnet.overlaps(other.net):
            raise PluginError(ErrorCode.SUBNET_OVERLAP,
                              f"network {network}: subnet {subnet} overlaps {other.subnet} of network {other.network}"
                              f" (project {other.project})",
                              "pick another subnet")
    for route in routes:
        if subnet.overlaps(route):
            raise PluginError(ErrorCode.SUBNET_OVERLAP, f"network {network}: subnet {subnet} overlaps the host route {route}",
                              "pick another subnet")


def _pick_free_subnet(network: str, routes: list[IPv4Network], others: list[SubnetRecord]) -> IPv4Network:
    pool, size = pool_from_env()
    taken = routes + [other.net for other in others]
    for candidate in pool.subnets(new_prefix=size):
        if not any(candidate.overlaps(used) for used in taken):
            return candidate
    raise PluginError(ErrorCode.POOL_EXHAUSTED, f"network {network}: no free /{size} left in {pool}",
                      f"remove unused networks, or set {POOL_ENV} / {SIZE_ENV}, or give the network an ipam subnet")


def _gateway(network: str, subnet: IPv4Network, text: str | None) -> IPv4Address:
    if text is None:
        return next(subnet.hosts())
    try:
        gateway = IPv4Address(text)
    except ValueError:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {network}: gateway {text!r} is not an IPv4 address") from None
    if gateway not in subnet or gateway in (subnet.network_address, subnet.broadcast_address):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {network}: gateway {gateway} is not a host address of {subnet}",
                          "pick an address inside the subnet")
    return gateway


def _ip_range(network: str, subnet: IPv4Network, text: str | None) -> IPv4Network | None:
    if text is None:
        return None
    ip_range = _parse_net(network, "ip_range", text)
    if not ip_range.subnet_of(subnet):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {network}: ip_range {ip_range} is not inside subnet {subnet}")
    return ip_range


def _requested_address(record: SubnetRecord, key: AttachmentKey, text: str) -> IPv4Address:
    try:
        address = IPv4Address(text)
    except ValueError:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"container {key.container_id}: ipv4_address {text!r} is not an IPv4 address") from None
    subnet = record.net
    if address not in subnet or address in (subnet.network_address, subnet.broadcast_address, IPv4Address(record.gateway)):
        raise PluginError(ErrorCode.ADDRESS_OUT_OF_RANGE,
                          f"container {key.container_id}: ipv4_address {address} is not a free host address"
                          f" of network {key.network} ({subnet}, gateway {record.gateway})",
                          "pick an address inside the subnet")
    return address


def _require_requested_matches(key: AttachmentKey, leased: IPv4Address, requested: str | None) -> None:
    if requested is not None and not _same_address(requested, leased):
        raise PluginError(ErrorCode.ADDRESS_IN_USE,
                          f"container {key.container_id} already holds {leased} on network {key.network}, not {requested}",
                          "remove the container to change its address")


def _same_address(text: str, address: IPv4Address) -> bool:
    try:
        return IPv4Address(text) == address
    except ValueError:
        return False


def _candidates(record: SubnetRecord, last: IPv4Address | None) -> Iterator[IPv4Address]:
    """Host addresses of the range, starting after `last` and wrapping around."""
    subnet = record.net
    space = IPv4Network(record.ip_range) if record.ip_range else subnet
    excluded = {subnet.network_address, subnet.broadcast_address, IPv4Address(record.gateway)}
    first, end = int(space.network_address), int(space.broadcast_address)
    start = int(last) + 1 if last is not None and first <= int(last) < end else first
    for value in itertools.chain(range(start, end + 1), range(first, start)):
        address = IPv4Address(value)
        if address not in excluded:
            yield address


def _read_lease(network: str, path: Path) -> Lease:
    try:
        lines = path.read_text().split("\n")
    except OSError:
        return Lease(None, "")
    if len(lines) < 3 or not lines[0] or not lines[1]:
        return Lease(None, "")  # a crash between create and write
    return Lease(AttachmentKey(network, lines[0], lines[1]), lines[2])


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data, sort_keys=True))
