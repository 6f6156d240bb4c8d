"""The web console: the built single-page app (console/, built into
console/dist by `npm run build`, which `make up` and `make test` run).

Every path under /console/ that is not a built file answers the app's
index.html, so each page has its own URL (/console/leads?status=new) that
works when opened directly or in a new tab. Hashed assets are cached for a
year; index.html is always revalidated, so a new build is picked up at once.
"""

import mimetypes
from pathlib import Path

from flask import Blueprint, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from gateway.auth import public
from gateway.openapi import undocumented
from gateway.problems import HttpProblem

bp = Blueprint("console", __name__)
DIST = Path(__file__).resolve().parents[2] / "console" / "dist"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
YEAR = 365 * 24 * 3600


def _secured(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _asset(path):
    """The asset, or its gzip copy (made at build) when the browser takes gzip."""
    compressed = DIST / f"{path}.gz"
    if "gzip" in request.headers.get("Accept-Encoding", "") and compressed.is_file():
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        response = send_from_directory(DIST, f"{path}.gz", max_age=YEAR, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
        response.headers.pop("Content-Disposition", None)
    else:
        response = send_from_directory(DIST, path, max_age=YEAR)
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _index():
    if not (DIST / "index.html").is_file():
        raise HttpProblem(503, "The console is not built: run `make up` (or `cd console && npm ci && npm run build`).")
    response = send_from_directory(DIST, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return _secured(response)


@bp.get("/")
@bp.get("/console")
@public
@undocumented
def root():
    return redirect("/console/", code=302)


@bp.get("/console/")
@bp.get("/console/<path:path>")
@public
@undocumented
def console(path=""):
    if path.startswith("assets/"):
        if safe_join(str(DIST), path) is None or not (DIST / path).is_file():
            raise NotFound()
        response = _asset(path)
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return _secured(response)
    if "." in path.rsplit("/", 1)[-1]:
        raise NotFound()  # a file that is not in the build (favicon.ico, ../config.yaml): no page for it
    return _index()
