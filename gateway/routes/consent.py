"""The consent ledger, and the public pages of signed links: one-click
unsubscribe (RFC 8058), preferences, double opt-in confirmation."""

from flask import Blueprint

bp = Blueprint("consent", __name__, url_prefix="/api/v1")
