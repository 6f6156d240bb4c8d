"""Contracts of the campaigns service's people area."""
