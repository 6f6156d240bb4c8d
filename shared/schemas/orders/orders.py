"""Contracts of the orders service's orders area."""
