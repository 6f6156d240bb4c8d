"""Cases: the support service's cases and their conversations."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/api/v1")
