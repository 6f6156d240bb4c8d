"""Contracts of the support service's escalation area."""
