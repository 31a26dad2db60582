"""The `none` driver (network_mode: none): the container's netns has only loopback, up."""

from __future__ import annotations

from typing import Iterable

from .api import AttachResult, Attachment, AttachmentKey, ErrorCode, NetworkConfig, NetworkState, PluginError
from .netlink import open_netlink


class NonePlugin:
    def ensure_network(self, cfg: NetworkConfig) -> NetworkState:
        return NetworkState(cfg.name)

    def remove_network(self, cfg: NetworkConfig) -> None:
        return None

    def add(self, cfg: NetworkConfig, att: Attachment) -> AttachResult:
        with open_netlink(att.netns_path) as ns:
            ns.configure_link("lo", up=True)
        return AttachResult(network=cfg.name, ifname="lo")

    def delete(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult | None) -> None:
        return None  # loopback goes with the netns

    def check(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult) -> None:
        with open_netlink(att.netns_path) as ns:
            loopback = ns.link("lo")
        if loopback is None or not loopback.up:
            raise PluginError(ErrorCode.DRIFT, f"container {att.container_id}: loopback is down in {att.netns_path}",
                              "recreate the container")

    def gc(self, cfg: NetworkConfig, valid_keys: Iterable[AttachmentKey]) -> list[str]:
        return []

    def gc_networks(self, project: str, keep: Iterable[str]) -> list[str]:
        return []
