"""Campaigns: their records, status moves, costs and members."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/api/v1")
