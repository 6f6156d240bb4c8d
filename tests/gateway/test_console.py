"""The web console is served by the gateway without a token (it asks for one)."""

from tests.gateway.conftest import assert_problem


def test_the_console_page_and_its_assets(client):
    page = client.get("/console/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'<script src="console.js">' in page.data
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for asset, mimetype in (("console.js", "text/javascript"), ("console.css", "text/css")):
        response = client.get(f"/console/{asset}")
        assert response.status_code == 200 and response.mimetype == mimetype


def test_the_console_has_the_sales_views(client):
    page = client.get("/console/").get_data(as_text=True)
    for view in ("accounts", "pipeline"):
        assert f'href="#/{view}"' in page and f'<template id="{view}">' in page
    script = client.get("/console/console.js").get_data(as_text=True)
    for route in ("`accounts?", "`contacts?", "/timeline?", "/board?", "/convert`", "`opportunities/"):
        assert route in script, f"console.js does not call {route}"


def test_bare_paths_lead_to_the_console(client):
    for path in ("/", "/console"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/")


def test_only_the_console_files_are_served(client):
    assert_problem(client.get("/console/../config.yaml"), 404)
    assert_problem(client.get("/console/app.py"), 404)
