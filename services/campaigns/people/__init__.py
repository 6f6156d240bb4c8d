"""The campaigns service's people area."""
