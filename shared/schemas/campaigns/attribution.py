"""Contracts of the campaigns service's attribution area."""
