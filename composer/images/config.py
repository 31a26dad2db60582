"""What an image says about how to run it: the `config` object of its config JSON.

OCI image configs and Docker's (`docker save`, schema2 pulls) share these keys; Docker
adds `Healthcheck`, which OCI tools keep as-is. Durations are int nanoseconds, as in
composer.config.model, so the runtime can merge image and service settings directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from composer.errors import ImageError

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True, slots=True)
class ImageHealthcheck:
    test: tuple[str, ...]  # ("CMD-SHELL", "…") | ("CMD", …) | ("NONE",); () = inherit
    interval: int | None = None  # nanoseconds; None = runtime default
    timeout: int | None = None
    start_period: int | None = None
    start_interval: int | None = None
    retries: int | None = None


@dataclass(frozen=True, slots=True)
class ImageConfig:
    env: tuple[str, ...] = ()  # "KEY=value", in image order
    entrypoint: tuple[str, ...] | None = None  # None = not set
    cmd: tuple[str, ...] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()  # "80/tcp", "53/udp"
    stop_signal: str | None = None
    healthcheck: ImageHealthcheck | None = None
    labels: dict[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = ()  # container paths
    os: str = "linux"
    architecture: str = ""

    def env_dict(self) -> dict[str, str]:
        """Env as a mapping; a later duplicate wins, as when Docker builds a container."""
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in self.env)


def parse_image_config(document: Any, image: str) -> ImageConfig:
    """ImageConfig from a parsed config JSON; `image` names it in errors."""
    if not isinstance(document, dict):
        raise ImageError(f"image {image}: its config is not a JSON object", "pull or load the image again")
    raw = document.get("config") or {}
    if not isinstance(raw, dict):
        raise ImageError(f"image {image}: its config's 'config' is not an object", "pull or load the image again")
    try:
        return ImageConfig(
            env=_strings(raw.get("Env")),
            entrypoint=_optional_strings(raw.get("Entrypoint")),
            cmd=_optional_strings(raw.get("Cmd")),
            working_dir=str(raw.get("WorkingDir") or ""),
            user=str(raw.get("User") or ""),
            exposed_ports=tuple(sorted(_keys(raw.get("ExposedPorts")))),
            stop_signal=raw.get("StopSignal") or None,
            healthcheck=_healthcheck(raw.get("Healthcheck")),
            labels={str(k): str(v) for k, v in (raw.get("Labels") or {}).items()},
            volumes=tuple(sorted(_keys(raw.get("Volumes")))),
            os=str(document.get("os") or "linux"),
            architecture=str(document.get("architecture") or ""),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ImageError(f"image {image}: malformed config ({exc})", "pull or load the image again") from None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def _optional_strings(value: Any) -> tuple[str, ...] | None:
    return None if value is None else _strings(value)


def _keys(value: Any) -> list[str]:
    return [str(key) for key in (value or {})]


def _healthcheck(raw: Any) -> ImageHealthcheck | None:
    if not raw:
        return None

    def duration(key: str) -> int | None:
        value = raw.get(key)
        return int(value) if value else None

    return ImageHealthcheck(
        test=_strings(raw.get("Test")),
        interval=duration("Interval"),
        timeout=duration("Timeout"),
        start_period=duration("StartPeriod"),
        start_interval=duration("StartInterval"),
        retries=int(raw["Retries"]) if raw.get("Retries") else None,
    )
