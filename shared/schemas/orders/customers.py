"""Contracts of the orders service's customers area."""
