"""Email sends of a campaign: schedule, progress, recipients."""

from flask import Blueprint

bp = Blueprint("campaign_sends", __name__, url_prefix="/api/v1")
