"""The server's reasons show where they belong: a reason about the whole
form above its button, a field's reason next to that field (and tied to it
for screen readers); a refused form writes nothing."""

import re

from playwright.sync_api import expect

WHOLE_FORM = "A lead needs at least a name, an email, a phone or a company."


def _server_reason(api, body, field):
    """What the API itself says about ``body`` (a refused POST writes nothing)."""
    problem = api.call("POST", "/leads", expected=(422,), json=body)
    return problem["errors"][field][0]


def _nothing_written(api, text):
    assert api.get("/leads", q=text)["items"] == []


def test_an_empty_new_lead_shows_the_servers_reason(signed_in, api):
    page = signed_in("sales", "/leads/new")
    page.get_by_role("button", name="Create lead").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(WHOLE_FORM)
    expect(page).to_have_url(re.compile(r"/console/leads/new$"))
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)  # no field is blamed for it


def test_a_bad_phone_and_a_bad_country_are_told_next_to_their_fields(signed_in, api):
    page = signed_in("marketing", "/leads/new")
    page.get_by_label("First name").fill("Zygmunt")
    page.get_by_label("Last name").fill("Phonebad")
    page.get_by_label("Phone").fill("12")
    page.get_by_label("Country").fill("XX")
    page.get_by_role("button", name="Create lead").click()

    country_reason = _server_reason(api, {"first_name": "Zygmunt", "country": "XX"}, "country")
    country = page.get_by_label("Country")
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(country).to_have_accessible_description(re.compile(re.escape(country_reason)))
    expect(page.locator(".field.invalid", has=country).locator(".field-error")).to_have_text(country_reason)

    # With a real country, the phone is read in it; "12" still is no number there.
    country.fill("GB")
    page.get_by_role("button", name="Create lead").click()
    phone_reason = _server_reason(api, {"first_name": "Zygmunt", "phone": "12", "country": "GB"}, "phone")
    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile(re.escape(phone_reason)))
    expect(page.get_by_label("Country")).not_to_have_attribute("aria-invalid", "true")
    _nothing_written(api, "Phonebad")

    # Fixed, the same form creates the lead.
    phone.fill("+44 20 7946 0958")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zygmunt Phonebad")
    [lead] = api.get("/leads", q="Phonebad")["items"]
    assert lead["phone"] == "+442079460958" and lead["country"] == "GB"
