"""Readers of containers' logs, found from the runtime's record of each container."""

from __future__ import annotations

from composer.logs import LogConfig, LogTarget, open_reader
from composer.runtime.layout import ContainerPaths
from composer.shim.config import load_shim_config


def reader_for(name: str):
    """The log reader of container `name` (its driver and options as it was created with)."""
    paths = ContainerPaths.for_name(name)
    cfg = load_shim_config(str(paths.state_dir))
    target = LogTarget(project=cfg.project, service=cfg.service, container=cfg.name, default_dir=cfg.log_dir)
    return open_reader(LogConfig(cfg.log_driver, dict(cfg.log_options)), target)
