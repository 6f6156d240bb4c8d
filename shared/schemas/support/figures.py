"""Contracts of the support service's figures area."""
