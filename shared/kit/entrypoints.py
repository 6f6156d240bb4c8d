"""The RPC entrypoint every service uses: domain errors (``CrmError``) are
expected answers, logged in one line instead of as a crash."""

import logging

from nameko.rpc import rpc as nameko_rpc

from shared.schemas.errors import CrmError


def rpc(method):
    return nameko_rpc(expected_exceptions=CrmError)(method)


class ExpectedErrorFilter(logging.Filter):
    """Drops the traceback of ``(expected) error handling worker`` records."""

    def filter(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True
