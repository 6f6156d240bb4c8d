"""Placeholder until this area is written."""


class EscalationRpc:
    pass
