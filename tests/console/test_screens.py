"""Every main screen, as a desktop and as a 390-px phone: its tab title and
breadcrumb trail, one <h1>, no horizontal scrolling on a phone with the menu
still reachable, and no serious or critical axe-core violation."""

import re

import pytest
from playwright.sync_api import expect

from tests.console import harness


def _no_serious_violations(page, where):
    violations = harness.axe_violations(page)
    assert not violations, f"axe-core on {where}:\n{harness.describe_violations(violations)}"


@pytest.mark.parametrize("name", harness.SCREEN_NAMES)
def test_screen_has_its_title_breadcrumbs_and_no_serious_axe_violation(name, signed_in, seeded):
    screen = harness.screen(seeded, name)
    page = signed_in("admin", screen.path)
    expect(page.locator("h1")).to_have_count(1)
    if screen.title:
        expect(page).to_have_title(f"{screen.title} · CRM")
    else:
        expect(page).to_have_title(re.compile(r"^(?!Home · ).+ · CRM$"))
    trail = page.get_by_role("navigation", name="Breadcrumb")
    if screen.crumbs:
        expect(trail.get_by_role("listitem")).to_have_text(list(screen.crumbs))
        expect(trail.locator("[aria-current=page]")).to_have_text(screen.crumbs[-1])
    else:
        expect(trail).to_have_count(0)
    _no_serious_violations(page, f"{screen.path} (desktop)")


@pytest.mark.parametrize("name", harness.SCREEN_NAMES)
def test_screen_fits_a_phone(name, signed_in, seeded):
    screen = harness.screen(seeded, name)
    page = signed_in("admin", screen.path, viewport=harness.PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= harness.PHONE["width"], f"{screen.path} scrolls sideways on a phone: {width} px wide"
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Leads")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(menu.get_by_role("link", name="Leads")).to_be_visible()
    _no_serious_violations(page, f"{screen.path} (390 px, menu open)")


def test_the_accessibility_check_finds_what_it_should(signed_in):
    page = signed_in("sales", "/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<button type="button"></button><img src="data:,">');
    }""")
    found = {violation["id"] for violation in harness.axe_violations(page)}
    assert {"button-name", "image-alt"} <= found, found
