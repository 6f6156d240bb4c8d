"""Leads follow the campaigns service's consent decisions (consent.changed)."""
