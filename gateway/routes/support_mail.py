"""The support mailbox: outgoing mail and incoming polling."""

from flask import Blueprint

bp = Blueprint("support_mail", __name__, url_prefix="/api/v1")
