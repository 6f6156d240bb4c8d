"""The campaigns service's campaigns area."""
