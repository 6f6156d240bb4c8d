"""Contracts of the support service's cases area."""
