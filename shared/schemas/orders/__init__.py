"""Contracts of the orders service: one module per area, each with the
schemas of its RPC arguments and results and of the events it publishes."""

from shared.schemas.orders import catalog, customers, invoicing, orders, quotes, returns  # noqa: F401
