"""composer: Compose-style multi-container stacks on runc, with ambassadors; no daemon."""

__version__ = "0.1.0"
