"""Imports every contract module, so the event registry is complete, and
names the events the suite publishes (not those a test or benchmark adds)."""

from shared.schemas import campaigns, leads, orders, sales, support  # noqa: F401
from shared.schemas.events import EVENTS


def published_contracts():
    """The registered events whose schemas live in shared/schemas, by type."""
    return [EVENTS[key] for key in sorted(EVENTS) if EVENTS[key].schema.__module__.startswith("shared.schemas.")]
