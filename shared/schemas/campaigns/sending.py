"""Contracts of the campaigns service's sending area."""
