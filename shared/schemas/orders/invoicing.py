"""Contracts of the orders service's invoicing area."""
