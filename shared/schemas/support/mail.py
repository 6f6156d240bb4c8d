"""Contracts of the support service's mail area."""
