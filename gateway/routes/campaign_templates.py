"""Email templates: edit, preview with a real member, test send."""

from flask import Blueprint

bp = Blueprint("campaign_templates", __name__, url_prefix="/api/v1")
