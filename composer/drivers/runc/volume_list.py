"""`compose volumes`: the project's own named volumes with docker volume ls's fields."""

from __future__ import annotations

from composer.drivers.runc import resources


def volume_list(project) -> list[dict]:
    found = []
    for key, volume in project.volumes.items():
        if not resources.owned_by(project, volume):
            continue  # external ones, or not made yet: Docker lists only the project's (labelled) volumes
        labels = {**volume.labels, "com.docker.compose.project": project.name, "com.docker.compose.volume": key}
        found.append({
            "Availability": "N/A",
            "Driver": volume.driver or "local",
            "Group": "N/A",
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            "Links": "N/A",
            "Mountpoint": str(resources.volume_dir(volume)),
            "Name": volume.name,
            "Scope": "local",
            "Size": "N/A",
            "Status": "N/A",
        })
    return sorted(found, key=lambda row: row["Name"])
