"""`compose run`'s own step: one container of a service, made as a one-off and started."""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver, Reporter


def run_one_off(project: Project, service: Service, reporter: Reporter, driver: Driver) -> str:
    """Create and start `service` (already given its one-off name and command); its container's name."""
    image = driver.image_for(project, service, None, reporter)
    spec = driver.desired_containers(project, service, 1, image)[0]
    driver.create_container(project, service, spec, image, oneoff=True)
    driver.runtime.start(spec.name)
    return spec.name
