"""The driver calls Compose v2's smaller verbs need (ps IDs, volumes, stats, cp, export, push,
commit), kept apart from driver.py so the verbs that add them touch nothing else.
RuncDriver inherits them."""

from __future__ import annotations

from typing import BinaryIO


class RuncExtras:
    def container_id(self, project: str, name: str) -> str:
        from composer.drivers.runc.identity import container_id  # on use: see driver.py's doc

        return container_id(project, name)

    def volume_list(self, project) -> list[dict]:
        from composer.drivers.runc.volume_list import volume_list  # on use: see driver.py's doc

        return volume_list(project)

    def stats_sample(self, name: str) -> dict | None:
        from composer.drivers.runc.stats import sample  # on use: see driver.py's doc

        return sample(name, self.runtime.inspect(name))

    def copy_out(self, name: str, path: str, out: BinaryIO, follow_link: bool = False, arcname: str | None = None) -> None:
        from composer.drivers.runc import container_files  # on use: see driver.py's doc

        container_files.copy_out(self.runtime.inspect(name), path, out, follow_link, arcname)

    def copy_in(self, name: str, path: str, archive: BinaryIO, as_user: bool = False) -> None:
        from composer.drivers.runc import container_files  # on use: see driver.py's doc

        container_files.copy_in(self.runtime.inspect(name), path, archive, as_user)

    def path_kind(self, name: str, path: str) -> str | None:
        from composer.drivers.runc import container_files  # on use: see driver.py's doc

        return container_files.path_kind(self.runtime.inspect(name), path)

    def export(self, name: str, out: BinaryIO) -> None:
        from composer.drivers.runc import container_files  # on use: see driver.py's doc

        container_files.export(self.runtime.inspect(name), out)

    def push_image(self, tag: str) -> None:
        from composer.drivers.runc.image_push import push_image  # on use: see driver.py's doc

        push_image(self.images, tag)

    def commit_container(self, project: str, name: str, target: str, author: str = "", message: str = "", pause: bool = True, service=None) -> str:
        from composer.drivers.runc.commit import commit  # on use: see driver.py's doc

        return commit(self, project, name, target, author, message, pause, service)
