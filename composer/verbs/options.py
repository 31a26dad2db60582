"""What `up` is asked to do (the plan's UpOptions) and what it reports back, shared by `up` and its dry run."""

from __future__ import annotations

from composer.executor.up_runner import UpResult
from composer.plan.options import UpOptions

__all__ = ["UpOptions", "UpResult"]  # each lives with what reads or makes it
