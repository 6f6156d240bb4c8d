"""Contracts of the campaigns service's campaigns area."""
