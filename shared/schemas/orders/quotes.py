"""Contracts of the orders service's quotes area."""
