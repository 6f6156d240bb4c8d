"""Placeholder until this area is written."""


class CustomerEvents:
    pass
