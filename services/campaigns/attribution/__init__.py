"""The campaigns service's attribution area."""
