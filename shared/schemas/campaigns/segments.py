"""Contracts of the campaigns service's segments area."""
