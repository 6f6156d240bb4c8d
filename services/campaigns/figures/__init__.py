"""The campaigns service's figures area."""
