"""Placeholder until this area is written."""


class TeamsRpc:
    pass
