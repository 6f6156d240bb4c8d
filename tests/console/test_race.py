"""Late answers never write into a page that is gone: with the API slowed
down in the browser (route interception), leaving a page while it loads,
and clicking through many pages faster than they load, raise no script
error, and the page asked for last is the one that shows."""

import contextlib
import re

from playwright.sync_api import Error, expect

from tests.console import harness


def _slow_api(page, delays):
    """Holds every API request for the next of ``delays`` (ms), then lets it through."""
    delay = iter(delays)

    def handle(route):
        page.wait_for_timeout(next(delay, 0))
        with contextlib.suppress(Error):  # the page gave the request up (a navigation cancelled it)
            route.continue_()

    page.route(re.compile(r"/api/v1/"), handle)


def test_new_lead_clicked_while_the_lead_list_loads(signed_in, watcher):
    page = signed_in("sales", "/")
    # The list's own answer comes at once; what its parts fetch by themselves (owners, views) comes late.
    _slow_api(page, [0, 0, 0, 1500, 1500, 1500, 1500, 1500])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    page.get_by_role("link", name="New lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New lead")
    page.wait_for_timeout(2500)  # every late answer has arrived by now
    expect(page.get_by_role("heading", level=1)).to_have_text("New lead")
    expect(page).to_have_url(re.compile(r"/console/leads/new$"))
    assert not watcher.errors


def test_the_last_page_asked_for_wins(signed_in, watcher, base_url):
    page = signed_in("sales", "/")
    # Earlier requests answer later than newer ones: 1.2 s for the first, then less and less.
    _slow_api(page, range(1200, 0, -40))
    menu = page.get_by_role("navigation", name="Main")
    for _ in range(2):
        for label in ("Leads", "Accounts", "Contacts", "Tasks", "Pipeline", "Opportunities"):
            menu.get_by_role("link", name=label).click()
    expect(page).to_have_url(f"{base_url}/console/opportunities")
    expect(page.get_by_role("heading", level=1)).to_have_text("Opportunities", timeout=15000)
    page.wait_for_timeout(1500)  # all the older pages' answers are in
    harness.settled(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Opportunities")
    expect(page).to_have_title("Opportunities · CRM")
    expect(page.get_by_role("link", name=harness.OPPORTUNITY)).to_be_visible()
    assert not watcher.errors


def test_a_script_error_on_a_page_fails_the_test_that_opened_it(signed_in, watcher):
    page = signed_in("readonly", "/")
    page.evaluate("() => { setTimeout(() => { throw new Error('seen by the watcher'); }, 0); }")
    page.wait_for_timeout(300)
    assert any("seen by the watcher" in error for error in watcher.errors), watcher.errors
    watcher.errors.clear()  # expected here: every other test fails on such an error
