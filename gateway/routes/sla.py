"""Service levels: business-hours calendars and SLA policies."""

from flask import Blueprint

bp = Blueprint("sla", __name__, url_prefix="/api/v1")
