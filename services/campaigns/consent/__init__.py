"""The campaigns service's consent area."""
