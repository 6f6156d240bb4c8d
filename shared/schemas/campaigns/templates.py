"""Contracts of the campaigns service's templates area."""
