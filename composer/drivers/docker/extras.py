"""Compose v2's smaller verbs on the engine: ids, volume listing, stats, cp, export, push, commit."""

from __future__ import annotations

from typing import BinaryIO

from composer.drivers.docker import observe, resources
from composer.drivers.engine_api import engine_errors, is_missing
from composer.drivers.docker.runtime import P


class DockerExtras:
    api: object
    runtime: object

    def container_id(self, project: str, name: str) -> str:
        return self.runtime.inspect_raw(name)["Id"]

    def volume_list(self, project) -> list[dict]:
        found = []
        for volume in resources.own_volumes(self.api, project):
            labels = volume.get("Labels") or {}
            found.append({
                "Availability": "N/A", "Driver": volume.get("Driver", "local"), "Group": "N/A",
                "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != P + "config-hash" and k != P + "version"),
                "Links": "N/A", "Mountpoint": volume.get("Mountpoint", ""), "Name": volume["Name"], "Scope": volume.get("Scope", "local"), "Size": "N/A",
            })
        return found

    def stats_sample(self, name: str) -> dict | None:
        if not self.runtime.inspect(name).running:
            return None
        return observe.stats_sample(self.api, name)

    def copy_out(self, name: str, path: str, out: BinaryIO, follow_link: bool = False, arcname: str | None = None) -> None:
        with engine_errors(f"copy from {name}:{path}"):
            stream, _ = self.api.get_archive(name, path.rstrip("/") + ("/." if arcname == "." else "") if path != "/" else path)
            for chunk in stream:
                out.write(chunk)

    def copy_in(self, name: str, path: str, archive: BinaryIO, as_user: bool = False) -> None:
        with engine_errors(f"copy into {name}:{path}"):
            self.api.put_archive(name, path, archive.read())

    def path_kind(self, name: str, path: str) -> str | None:
        with engine_errors(f"stat {name}:{path}"):
            try:
                info = self.api.get_archive(name, path)[1]
            except Exception as exc:
                if is_missing(exc):
                    return None
                raise
        return "dir" if info.get("mode", 0) & (1 << 31) else "file"  # Go's os.ModeDir

    def export(self, name: str, out: BinaryIO) -> None:
        with engine_errors(f"export {name}"):
            stream = self.api.export(name)
            for chunk in stream:
                out.write(chunk)

    def push_image(self, tag: str) -> None:
        repository, _, tag_name = tag.rpartition(":") if ":" in tag.rsplit("/", 1)[-1] else (tag, "", "latest")
        with engine_errors(f"push {tag}"):
            for answer in self.api.push(repository, tag=tag_name, stream=True, decode=True):
                if "error" in answer:
                    from composer.errors import ImageError

                    raise ImageError(f"push {tag}: {answer['error']}")

    def commit_container(self, project: str, name: str, target: str, author: str = "", message: str = "", pause: bool = True, service=None) -> str:
        # service is unused: the engine writes the container's own config into the image
        repository, _, tag_name = target.rpartition(":") if ":" in target.rsplit("/", 1)[-1] else (target, "", "latest")
        with engine_errors(f"commit {name}"):
            return self.api.commit(name, repository=repository, tag=tag_name, author=author, message=message, pause=pause)["Id"]

