"""The people campaigns can reach (the projection of contacts and leads) and their consent history."""

from flask import Blueprint

bp = Blueprint("campaign_people", __name__, url_prefix="/api/v1")
