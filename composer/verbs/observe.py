"""The snapshot a plan is made from, taken through the driver; reads only, changes nothing.

`up` and `up --dry-run` take the very same snapshot (so the plan they read is the same):
what runs, which networks and volumes are missing, which images the store has, and the
spec hash of every replica the driver would build now (desired_containers(prepare=False):
the specs `up` builds, without making volumes, secrets or /etc dirs).
"""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver
from composer.errors import ComposerError
from composer.plan.observed import ImageSeen, Observed
from composer.plan.options import UpOptions
from composer.plan.project import Selection
from composer.plan.networks import network_keys
from composer.plan.teardown import DownOptions, Teardown, image_refs


def observe_up(project: Project, options: UpOptions, selection: Selection, driver: Driver) -> Observed:
    containers = tuple(driver.containers(project.name))
    services = [project.services[n] for n in selection.services(project)]
    missing, problem = (), None
    try:
        missing = tuple(driver.missing_networks(project, network_keys(project, services, set(selection.chosen))))
    except ComposerError as exc:
        problem = exc
    images, hashes = {}, {}
    for service in services:
        try:
            image, ref, how = driver.image_if_present(project, service, options.pull, options.build)
        except ComposerError as exc:
            images[service.name] = ImageSeen("", "", False, exc)
            continue
        images[service.name] = ImageSeen(ref, how, image is not None)
        if image is not None:
            try:
                specs = driver.desired_containers(project, service, options.replicas(service), image, prepare=False, chosen=selection.chosen)
                hashes[service.name] = tuple(spec.spec_hash() for spec in specs)
            except ComposerError as exc:
                hashes[service.name] = exc.one_line()
            except (ValueError, OSError) as exc:  # as up's executor words what a task raised
                hashes[service.name] = f"{type(exc).__name__}: {exc}"
    return Observed(
        containers=containers,
        one_offs=frozenset(s.name for s in containers if s.service in project.services and driver.is_one_off(project.name, s.name)),
        missing_networks=missing,
        network_problem=problem,
        missing_volumes=tuple(driver.missing_volumes(project)),
        ambassadors_running=frozenset(a for a in project.ambassadors if a in selection.chosen and driver.ambassador_running(project.name, a)),
        images=images,
        spec_hashes=hashes,
    )


def observe_one_off(project: Project, service: Service, driver: Driver, pull: str | None, build: bool) -> Observed:
    """What `compose run` plans from: the one-off's missing networks and volumes, its image."""
    missing, problem = (), None
    try:
        missing = tuple(driver.missing_networks(project, network_keys(project, [service], {service.name})))
    except ComposerError as exc:
        problem = exc
    try:
        image, ref, how = driver.image_if_present(project, service, pull, build)
        seen = ImageSeen(ref, how, image is not None)
    except ComposerError as exc:
        seen = ImageSeen("", "", False, exc)
    return Observed(missing_networks=missing, network_problem=problem, missing_volumes=tuple(driver.missing_volumes(project)), images={service.name: seen})


def observe_down(project: Project, driver: Driver, options: DownOptions) -> Teardown:
    refs = image_refs(project, options.rmi)
    return Teardown(
        containers=tuple(driver.containers(project.name)),
        remembered=driver.remembered_stop_order(project),
        proxies=tuple(driver.proxies(project.name)),
        networks=tuple(driver.existing_networks(project)),
        volumes=tuple(driver.own_volumes(project)) if options.volumes else (),
        images=frozenset(ref for ref in refs if driver.images.get(ref) is not None),
    )
