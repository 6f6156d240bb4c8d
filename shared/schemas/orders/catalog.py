"""Contracts of the orders service's catalog area."""
