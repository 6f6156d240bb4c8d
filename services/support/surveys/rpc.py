"""Placeholder until this area is written."""


class SurveysRpc:
    pass
