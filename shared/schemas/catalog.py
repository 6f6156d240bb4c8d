"""Imports every contract module, so the event registry is complete."""

from shared.schemas import leads  # noqa: F401
from shared.schemas.events import EVENTS

__all__ = ["EVENTS"]
