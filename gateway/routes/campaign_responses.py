"""Campaign responses (public tracking links included), attribution, ROI and the funnel."""

from flask import Blueprint

bp = Blueprint("campaign_responses", __name__, url_prefix="/api/v1")
