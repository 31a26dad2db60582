"""The Docker engine driver: the driver protocol through the Engine API (docs/drivers.md)."""
