"""Drivers: protocol.py is the one interface the verbs use; runc/ is the embedded driver.
events.py turns container snapshots (any driver's) into Compose's events."""
