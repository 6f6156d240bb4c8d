"""Contracts of the campaigns service's responses area."""
