"""Contracts of the support service's customers area."""
