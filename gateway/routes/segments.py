"""Segments (rule trees with a live count and a join/leave history), static lists and suppression lists."""

from flask import Blueprint

bp = Blueprint("segments", __name__, url_prefix="/api/v1")
