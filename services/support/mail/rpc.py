"""Placeholder until this area is written."""


class MailRpc:
    pass
