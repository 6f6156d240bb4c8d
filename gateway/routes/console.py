"""The web console: static files of a small single-page app that uses the
API with the person's own token (gateway/console/)."""

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory
from werkzeug.exceptions import NotFound

from gateway.auth import public
from gateway.openapi import undocumented

bp = Blueprint("console", __name__)
FILES = Path(__file__).resolve().parents[1] / "console"
ASSETS = {"index.html", "console.js", "console.css"}


@bp.get("/")
@bp.get("/console")
@public
@undocumented
def root():
    return redirect("/console/", code=302)


@bp.get("/console/")
@bp.get("/console/<name>")
@public
@undocumented
def console(name="index.html"):
    if name not in ASSETS:
        raise NotFound()
    response = send_from_directory(FILES, name, max_age=300)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
