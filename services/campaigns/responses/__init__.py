"""The campaigns service's responses area."""
