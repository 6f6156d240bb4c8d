"""Contracts of the support service's sla area."""
