"""The knowledge base: articles, versions, search, votes."""

from flask import Blueprint

bp = Blueprint("kb", __name__, url_prefix="/api/v1")
