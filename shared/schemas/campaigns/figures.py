"""Contracts of the campaigns service's figures area."""
