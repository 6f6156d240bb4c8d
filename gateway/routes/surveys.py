"""Satisfaction surveys, follow-up tasks and support figures."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/api/v1")
