"""Contracts of the orders service's returns area."""
