"""Contracts of the support service's surveys area."""
