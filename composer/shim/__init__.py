"""The per-container supervisor: `python -I -m composer.shim <state-dir>`.

One detached process per running container (like containerd-shim). It runs runc,
holds the container's stdio and feeds the log driver, reaps the container's init,
applies the restart policy, runs healthchecks and records everything in state.json.

Standard library only, and nothing heavy: it lives as long as the container does.
This package's modules are also the contract with composer.runtime, which writes
shim.json (config.py) and reads state.json (state.py).
"""
