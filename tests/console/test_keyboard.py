"""The console with the keyboard only (Tab, Enter and typing): sign in,
reach the lead list, find and open a lead, edit a field and save it; every
stop on the way shows where the focus is."""

import re

from playwright.sync_api import expect

from tests.console import harness

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 80),
            label: el.labels && el.labels[0] ? el.labels[0].innerText.trim() : (el.getAttribute('aria-label') || ''),
            visible: el.matches(':focus-visible'),
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


def _tab_to(page, wanted, limit=80):
    """Presses Tab until the focused element satisfies ``wanted`` (a function of FOCUSED's answer)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused:
            assert focused["visible"] and focused["outline"], f"the focus is not visible on {focused}"
            seen.append(focused["text"] or focused["label"])
            if wanted(focused):
                return focused
    raise AssertionError(f"never reached it with Tab; the stops were: {seen}")


def test_sign_in_open_a_lead_and_edit_it_with_the_keyboard(new_browser, base_url, seeded, api):
    page = new_browser().new_page()
    page.goto(f"{base_url}/console/sign-in")
    expect(page.get_by_label("Username")).to_be_focused()  # the form starts where typing starts
    page.keyboard.type(harness.PEOPLE["sales"][0])
    page.keyboard.press("Tab")
    page.keyboard.type(harness.PASSWORD)
    page.keyboard.press("Enter")
    harness.settled(page)

    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Leads")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leads")
    harness.settled(page)

    name = "Margaret Hamilton"
    _tab_to(page, lambda f: f["tag"] == "input" and f["label"] == "Name, email or company")
    page.keyboard.type("Hamilton")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=Hamilton"))
    harness.settled(page)
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    harness.settled(page)

    _tab_to(page, lambda f: f["tag"] == "button" and f["text"].startswith("Edit"))
    page.keyboard.press("Enter")
    _tab_to(page, lambda f: f["tag"] == "input" and f["label"] == "Job title")
    page.keyboard.press("Control+A")
    page.keyboard.type("Director of Software Engineering")
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save")
    page.keyboard.press("Enter")

    facts = page.get_by_role("region", name="Details")
    expect(facts.locator(".fact", has_text="Job title")).to_contain_text("Director of Software Engineering")
    lead = api.get(f"/leads/{seeded.leads[name]}")
    assert lead["title"] == "Director of Software Engineering"
