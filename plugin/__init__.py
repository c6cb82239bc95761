"""Customer Groups: named customer groups, per-group pricing and segments for Flask shops."""
from __future__ import annotations

__version__ = "0.1.0"

from .extension import CustomerGroups  # noqa: E402

__all__ = ["CustomerGroups"]
