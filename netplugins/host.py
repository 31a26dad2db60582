"""The `host` driver (network_mode: host): the container shares the host's netns.

There is nothing to create, attach or clean up; every verb succeeds and changes nothing.
"""

from __future__ import annotations

from typing import Iterable

from .api import AttachResult, Attachment, AttachmentKey, NetworkConfig, NetworkState


class HostPlugin:
    def ensure_network(self, cfg: NetworkConfig) -> NetworkState:
        return NetworkState(cfg.name)

    def remove_network(self, cfg: NetworkConfig) -> None:
        return None

    def add(self, cfg: NetworkConfig, att: Attachment) -> AttachResult:
        return AttachResult(network=cfg.name, ifname="")

    def delete(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult | None) -> None:
        return None

    def check(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult) -> None:
        return None

    def gc(self, cfg: NetworkConfig, valid_keys: Iterable[AttachmentKey]) -> list[str]:
        return []

    def gc_networks(self, project: str, keep: Iterable[str]) -> list[str]:
        return []
