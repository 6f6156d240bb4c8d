"""Contracts of the support service's kb area."""
