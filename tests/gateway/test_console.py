"""The web console is served by the gateway without a token: the built app
(console/dist) for every page URL, its hashed assets cached for good."""

import re

from gateway.routes.console import DIST
from tests.gateway.conftest import assert_problem


def test_every_page_url_answers_the_app(client):
    for path in ("/console/", "/console/leads", "/console/leads/7d0c0f3e-0000-4000-8000-000000000000",
                 "/console/admin/users", "/console/opportunities?status=open"):
        page = client.get(path)
        assert page.status_code == 200 and page.mimetype == "text/html", path
        assert b'<div id="root"></div>' in page.data
        assert page.headers["Cache-Control"] == "no-cache"
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
        assert page.headers["X-Frame-Options"] == "DENY"


def test_built_assets_are_served_and_cached_for_good(client):
    index = (DIST / "index.html").read_text()
    assets = re.findall(r'(?:src|href)="/console/(assets/[^"]+)"', index)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = client.get(f"/console/{asset}")
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript", "text/css")
        assert "immutable" in response.headers["Cache-Control"]


def test_bare_paths_lead_to_the_console(client):
    for path in ("/", "/console"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/")


def test_only_the_console_files_are_served(client):
    assert_problem(client.get("/console/../config.yaml"), 404)
    assert_problem(client.get("/console/assets/../../gateway/app.py"), 404)
    assert_problem(client.get("/console/assets/nope.js"), 404)
    assert_problem(client.get("/console/favicon.ico"), 404)


def test_assets_go_compressed_to_browsers_that_take_gzip(client):
    import gzip

    index = (DIST / "index.html").read_text()
    script = re.search(r'src="/console/(assets/[^"]+\.js)"', index).group(1)
    plain = client.get(f"/console/{script}")
    packed = client.get(f"/console/{script}", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and packed.mimetype == "text/javascript"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Content-Disposition" not in packed.headers
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    assert "Content-Encoding" not in plain.headers
