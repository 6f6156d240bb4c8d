"""Support administration: teams, routing and escalation rules."""

from flask import Blueprint

bp = Blueprint("support_admin", __name__, url_prefix="/api/v1")
