"""Fixtures of the browser tests: the whole suite live (one stack for every
console test, stopped after the last one), a person of each role, seed data
made through the API, and Debian's Chromium driven by Playwright
(tests/console/harness.py).

``signed_in(role)`` gives a page of that role's browser context: the first
time, the person signs in through the real sign-in form; later pages of the
same context share the session, as tabs of one browser do.  Every page the
tests open is watched: an uncaught script error, or a Content-Security-Policy
refusal, fails the test that opened it.
"""

import pytest
from playwright.sync_api import expect

from tests.api.stack import live_stack, own_vhost
from tests.conftest import AMQP_BASE
from tests.console import harness


@pytest.fixture(scope="package")
def console_stack(rabbit_admin, database_url, tmp_path_factory):
    if not harness.console_built():
        pytest.fail("console/dist is not built: run `bash scripts/console.sh` (make test runs it)")
    log_dir = tmp_path_factory.mktemp("console-stack")
    with own_vhost(rabbit_admin, AMQP_BASE) as amqp_uri, \
            live_stack(database_url, amqp_uri, log_dir, LOGIN_RATE_LIMIT="100000", WEB_FORM_RATE_LIMIT="100000",
                       RPC_TIMEOUT="20") as running:
        yield running


@pytest.fixture(scope="package")
def people(console_stack):
    """username -> id of one person per role (harness.PEOPLE), all with harness.PASSWORD."""
    return harness.create_people(console_stack.database_url)


@pytest.fixture(scope="package")
def api(console_stack):
    """The REST API as an admin's program (bearer token)."""
    return harness.Api(console_stack.base_url, console_stack.admin_token)


@pytest.fixture(scope="package")
def seeded(api, people):
    return harness.seed(api, owner=harness.PEOPLE["sales"][0])


@pytest.fixture(scope="package")
def base_url(console_stack):
    return console_stack.base_url


# A busy 2-core machine (the whole suite at once) answers slower than Playwright's 5 s default expects.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="package")
def browser():
    playwright = harness.start_playwright()
    try:
        chromium = harness.launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


class Watcher:
    """Collects what goes wrong on the pages a test opens."""

    def __init__(self):
        self.errors = []
        self.pages = []
        self.contexts = []

    def watch(self, page):
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))
        self.pages.append(page)
        return page

    def _console(self, page, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"{page.url}: {message.text}")


@pytest.fixture(scope="package")
def role_contexts(browser, base_url, people, seeded):
    """One signed-in browser context per role, made the first time it is asked for."""
    contexts = {}

    def get(role):
        if role not in contexts:
            context = harness.new_context(browser)
            page = context.new_page()
            harness.sign_in(page, base_url, harness.PEOPLE[role][0])
            page.close()
            contexts[role] = context
        return contexts[role]

    yield get
    for context in contexts.values():
        context.close()


@pytest.fixture
def watcher():
    watching = Watcher()
    yield watching
    for page in watching.pages:
        if not page.is_closed():
            page.close()
    for context in watching.contexts:
        context.close()
    assert not watching.errors, "errors on the console's pages:\n" + "\n".join(watching.errors)


@pytest.fixture
def signed_in(role_contexts, watcher, base_url):
    """``signed_in("sales", "/leads")``: a new page (tab) of that role's signed-in browser at /console/leads."""

    def open_page(role, path="/", viewport=None):
        page = watcher.watch(role_contexts(role).new_page())
        if viewport:
            page.set_viewport_size(viewport)
        return harness.visit(page, base_url, path)

    return open_page


@pytest.fixture
def new_browser(browser, watcher):
    """``new_browser()``: a browser context of its own (another browser: no cookies), closed after the test."""

    def make(viewport=None):
        context = harness.new_context(browser, viewport)
        watcher.contexts.append(context)
        context.on("page", watcher.watch)
        return context

    return make
