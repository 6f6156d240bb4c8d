"""The OpenAPI 3.1 document and its Swagger UI page, served by the gateway
itself (Swagger UI 5 from the swagger-ui-py package, which renders OpenAPI
3.1 natively; no CDN)."""

from pathlib import Path

import swagger_ui
from flask import Blueprint, current_app, send_from_directory
from werkzeug.exceptions import NotFound

from gateway.auth import public
from gateway.openapi import build_spec, operation, undocumented

bp = Blueprint("docs", __name__, url_prefix="/api/v1")
ASSETS = {"swagger-ui.css", "index.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png"}
PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>CRM suite API</title>
    <link rel="stylesheet" type="text/css" href="/api/v1/docs/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/api/v1/docs/index.css">
    <link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/v1/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/api/v1/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/api/v1/docs/init.js" charset="UTF-8"></script>
  </body>
</html>
"""
SWAGGER_UI_FILES = Path(swagger_ui.__file__).parent / "static"
INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
"""


def _spec():
    if "gateway_openapi" not in current_app.extensions:
        current_app.extensions["gateway_openapi"] = build_spec(current_app)
    return current_app.extensions["gateway_openapi"]


@bp.get("/openapi.json")
@public
@operation("This document (OpenAPI 3.1)", tags=["docs"], public=True, response={"type": "object"})
def openapi_document():
    return _spec()


@bp.get("/docs")
@public
@operation("Interactive documentation (Swagger UI)", tags=["docs"], public=True, media_type="text/html",
           response={"type": "string"})
def docs_page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/docs/init.js")
@public
@undocumented
def docs_init():
    return INIT, 200, {"Content-Type": "text/javascript; charset=utf-8"}


@bp.get("/docs/<name>")
@public
@undocumented
def docs_asset(name):
    if name not in ASSETS:
        raise NotFound()
    response = send_from_directory(SWAGGER_UI_FILES, name, max_age=86400)
    return response
