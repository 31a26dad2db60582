"""The anchors our numbers are compared with, set up on first use and torn down once.

    anchors = Anchors(layout, smoke=False)
    engine = anchors.engine()            # private dockerd with the test image imported
    compose = anchors.compose_v2()       # path to the Compose v2 binary
    anchors.composer_image()             # the same image in composer's private store
    anchors.close()                      # stop the engine and sweep the base dir

Each getter raises NotAvailable (with the reason) when its anchor cannot be had, and
remembers that, so the next suite is told at once instead of trying again. In smoke
mode no engine is started; Compose v2 is installed on first use in both modes (its
`config` needs no engine).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.anchors.cleanup import sweep
from bench.anchors.compose_v2 import compose_version, ensure_compose_v2
from bench.anchors.engine import DockerEngine
from bench.anchors.image import import_into_composer, import_into_docker
from bench.anchors.layout import IMAGE_REF, Layout
from bench.stats import NotAvailable

__all__ = ["Anchors", "IMAGE_REF", "Layout", "NotAvailable"]


class Anchors:
    def __init__(self, layout: Layout, smoke: bool) -> None:
        self.layout = layout
        self.smoke = smoke
        self._engine: DockerEngine | None = None
        self._compose: Path | None = None
        self._composer_image = False
        self._failed: dict[str, str] = {}
        self.versions: dict[str, str] = {}

    def engine(self) -> DockerEngine:
        if self._engine is not None:
            return self._engine
        self._refuse_if_failed("engine")
        if self.smoke:
            raise NotAvailable("smoke mode runs no Docker engine")
        try:
            engine = DockerEngine(self.layout.engine)
            self._engine = engine  # before start: close() must stop a half-started engine too
            engine.start()
            import_into_docker(engine, self.layout)
        except NotAvailable as exc:
            self._failed["engine"] = str(exc)
            raise
        self.versions["docker"] = engine.version()
        return engine

    def compose_v2(self) -> Path:
        if self._compose is not None:
            return self._compose
        self._refuse_if_failed("compose")
        try:
            self._compose = ensure_compose_v2()
        except NotAvailable as exc:
            self._failed["compose"] = str(exc)
            raise
        self.versions["compose v2"] = compose_version(self._compose)
        return self._compose

    def socat(self) -> str:
        path = shutil.which("socat")
        if path is None:
            raise NotAvailable("socat is not installed: apt-get install socat")
        return path

    def composer_image(self) -> str:
        """IMAGE_REF, imported into composer's private store on first call."""
        if not self._composer_image:
            self._refuse_if_failed("composer image")
            try:
                import_into_composer(self.layout)
            except NotAvailable as exc:
                self._failed["composer image"] = str(exc)
                raise
            self._composer_image = True
        return IMAGE_REF

    def _refuse_if_failed(self, what: str) -> None:
        if what in self._failed:
            raise NotAvailable(self._failed[what])

    def close(self, log=lambda message: None) -> None:
        """Stop the engine gracefully, then sweep whatever is left under the base dir."""
        try:
            if self._engine is not None:
                self._engine.stop()
        finally:
            self._engine = None
            sweep(self.layout, log)
