"""Rendering a template for one person in a sandboxed engine."""


def render(template, person, extra=None):
    """{subject, html, text} of ``template`` (a row of ``templates``) for
    ``person`` (a row of ``people`` with its account's fields) and ``extra``
    (unsubscribe_url, preferences_url, campaign)."""
    raise NotImplementedError
