"""The campaigns service's segments area."""
