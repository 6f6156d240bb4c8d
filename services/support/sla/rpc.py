"""Placeholder until this area is written."""


class SlaRpc:
    pass
