"""The container's log writer, loaded while `runc create` runs.

Importing composer.logs is a fifth of a container's start time, so a thread does it
while the main thread waits for runc; the writer is open before `runc start` lets
the container's process run, so no output is ever written without it.
"""

from __future__ import annotations

import threading

from composer.shim.config import ShimConfig


class LogSink:
    def __init__(self, cfg: ShimConfig) -> None:
        self.cfg = cfg
        self.writer = None
        self._import_error: BaseException | None = None
        self._loader = threading.Thread(target=self._load, name="log-import", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        try:
            import composer.logs  # noqa: F401  (the import is the point)
        except BaseException as exc:  # re-raised in the main thread by open()
            self._import_error = exc

    def open(self):
        """The writer for this container; raises what the import or the driver raised."""
        if self.writer is None:
            self._loader.join()
            if self._import_error is not None:
                raise self._import_error
            from composer.logs import open_writer
            from composer.logs.api import LogConfig, LogTarget

            cfg = self.cfg
            target = LogTarget(cfg.project, cfg.service, cfg.name, cfg.log_dir)
            self.writer = open_writer(LogConfig(cfg.log_driver, dict(cfg.log_options)), target)
        return self.writer

    @property
    def dropped(self) -> int:
        return self.writer.dropped if self.writer is not None else 0

    def close(self) -> None:
        self._loader.join()
        if self.writer is not None:
            self.writer.close()
