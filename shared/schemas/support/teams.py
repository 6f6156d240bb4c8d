"""Contracts of the support service's teams area."""
