"""Registry of every published event: type -> (version, data schema, producer).

Services register their events in their own schema module; the AsyncAPI
document is generated from this registry.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventContract:
    type: str
    version: int
    schema: type
    producer: str
    summary: str


EVENTS = {}


def register_event(event_type, schema, producer, summary, version=1):
    if event_type in EVENTS:
        raise ValueError(f"event {event_type} registered twice")
    EVENTS[event_type] = EventContract(event_type, version, schema, producer, summary)
    return EVENTS[event_type]


def contract(event_type):
    try:
        return EVENTS[event_type]
    except KeyError:
        raise KeyError(f"event type {event_type!r} has no contract in shared/schemas") from None
