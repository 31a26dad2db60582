"""Compose files → a validated, typed Project. Imports nothing else of composer but errors."""
