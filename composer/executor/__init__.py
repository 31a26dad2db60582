"""Carrying work out: tasks.py runs tasks as soon as their dependencies are done (parallel,
bounded); conditions.py waits for a dependency's condition (started, healthy, completed)."""
