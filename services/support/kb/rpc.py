"""Placeholder until this area is written."""


class KnowledgeRpc:
    pass
