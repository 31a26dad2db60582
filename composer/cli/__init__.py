"""The `compose` command: argument parsing, one verb per module, and the only printing."""
