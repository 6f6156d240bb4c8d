"""Contracts of the support service: one module per area, each with the
schemas of its RPC arguments and results and of the events it publishes."""

from shared.schemas.support import cases, customers, escalation, figures, kb, mail, sla, surveys, teams  # noqa: F401
