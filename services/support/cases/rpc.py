"""Placeholder until this area is written."""


class CasesRpc:
    pass
