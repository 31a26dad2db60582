"""The Swarm driver: a compose project deployed as a Docker Swarm stack through the Engine
API (PyPI `docker`, imported on use). Unlike the container drivers it converges whole
services: composer/cli/stack_cmd.py calls `deploy` / `remove` / `tasks` (its
`deploys_stack` capability, drivers/protocol.py) instead of the verbs' per-container steps.

names.py    the stack's object names and labels (docker stack's, so `docker stack ps` shows it)
dropped.py  what a Swarm service cannot express: one line per feature and service (pure)
spec.py     compose service → ServiceSpec (pure), and the spec hash that makes `up` idempotent
client.py   the engine connection, its errors as one line, IPVS detection
objects.py  overlay networks, content-named secrets and configs, volumes' labels
images.py   build: on the manager's engine, push to the registry, pin by digest
tasks.py    a service's tasks as ContainerStates (for waits and ps)
deploy.py   up: order, waits, create / update / keep; down
driver.py   the face: SwarmDriver
"""
