"""The campaigns service's templates area."""
