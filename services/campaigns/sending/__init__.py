"""The campaigns service's sending area."""
