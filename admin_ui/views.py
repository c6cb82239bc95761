"""Admin pages (placeholder until the pages land)."""
from __future__ import annotations
