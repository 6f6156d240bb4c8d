"""Placeholder until this area is written."""


class FiguresRpc:
    pass
