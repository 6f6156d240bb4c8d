"""Placeholder until this area is written."""


class CustomersRpc:
    pass
