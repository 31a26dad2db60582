"""Log drivers (container output → host files) and readers (for `compose logs`).

Standard library only: the per-container supervisor imports this.
"""
