"""The unit aliases the model uses (see model.py for the conventions)."""

from __future__ import annotations

from typing import Any

Nanoseconds = int
Bytes = int

# Opaque values are kept JSON-like (plain dict/list/str/int/bool/None): settings we
# accept and print back (`config`) but no part of composer acts on.
Opaque = Any
