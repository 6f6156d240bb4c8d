"""Contracts of the campaigns service's consent area."""
