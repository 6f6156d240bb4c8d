"""The outgoing email queue that the EmailSender drains."""


def enqueue_transactional(conn, to, subject, text, html=None, headers=None, kind="transactional"):
    """Queue one non-marketing email (a double opt-in confirmation, a test
    send) to go out at once: no consent or cap check; the sender is woken by
    a NOTIFY when the transaction commits. Returns the queued email's id."""
    raise NotImplementedError
