"""The consent area's pure parts: the send rule and the signed links (no
broker, no database)."""

import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.campaigns.consent import links
from services.campaigns.consent.checks import decide
from shared.schemas.campaigns.consent import PURPOSES, ConsentChangedSchema

CONFIG = {"CAMPAIGNS_SECRET": "test-secret", "CONFIRM_VALID_DAYS": 7, "PUBLIC_URL": "https://crm.example.com/"}
OTHER_KEY = {**CONFIG, "CAMPAIGNS_SECRET": "another-secret"}


@pytest.mark.parametrize(("status", "expected"), [
    ("granted", (True, None)), (None, (False, "no_consent")), ("withdrawn", (False, "withdrawn")),
    ("pending_confirmation", (False, "pending_confirmation")), ("something else", (False, "no_consent"))])
def test_only_a_granted_decision_allows_an_email(status, expected):
    assert decide(status) == expected


def test_an_unsubscribe_link_names_its_address_purpose_and_campaign():
    campaign_id = str(uuid.uuid4())
    url = links.unsubscribe_url(CONFIG, "ada@example.com", "newsletter", campaign_id)
    assert url.startswith("https://crm.example.com/u/")
    token = url.rsplit("/", 1)[1]
    assert links.unsubscribe_of(CONFIG, token) == ("ada@example.com", "newsletter", campaign_id)
    assert links.unsubscribe_of(CONFIG, links.unsubscribe_token(CONFIG, "ada@example.com")) == (
        "ada@example.com", "marketing_email", None)


def test_a_token_opens_only_its_own_kind_of_page_and_only_with_its_key():
    unsubscribe = links.unsubscribe_token(CONFIG, "ada@example.com")
    preferences = links.preferences_token(CONFIG, "ada@example.com")
    confirm = links.confirm_token(CONFIG, uuid.uuid4())
    assert links.preferences_of(CONFIG, unsubscribe) is None
    assert links.unsubscribe_of(CONFIG, preferences) is None
    assert links.confirmation_of(CONFIG, preferences) is None
    assert links.unsubscribe_of(CONFIG, confirm) is None
    assert links.unsubscribe_of(OTHER_KEY, unsubscribe) is None
    assert links.preferences_of(OTHER_KEY, preferences) is None
    assert links.confirmation_of(OTHER_KEY, confirm) is None
    assert not links.form_token_fits(CONFIG, preferences, "ada@example.com")


@given(st.text(max_size=700))
def test_no_made_up_token_opens_a_page(token):
    assert links.unsubscribe_of(CONFIG, token) is None
    assert links.preferences_of(CONFIG, token) is None
    assert links.confirmation_of(CONFIG, token) is None


@given(st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
def test_an_altered_token_opens_nothing(position, character):
    token = links.unsubscribe_token(CONFIG, "ada@example.com", "sms", uuid.uuid4())
    position %= len(token)
    altered = token[:position] + character + token[position + 1:]
    if altered != token:
        assert links.unsubscribe_of(CONFIG, altered) is None


def test_a_confirmation_link_expires_after_its_days_and_still_names_its_request():
    request_id = str(uuid.uuid4())
    fresh = links.confirm_token(CONFIG, request_id, signed_at=time.time() - 6.9 * 86400)
    assert links.confirmation_of(CONFIG, fresh) == request_id
    old = links.confirm_token(CONFIG, request_id, signed_at=time.time() - 7.1 * 86400)
    with pytest.raises(links.Expired) as expired:
        links.confirmation_of(CONFIG, old)
    assert expired.value.request_id == request_id
    assert links.confirmation_of(CONFIG, old, allow_expired=True) == request_id
    assert links.confirmation_of(OTHER_KEY, old, allow_expired=True) is None


def test_the_preference_form_token_fits_its_address_for_a_day():
    token = links.form_token(CONFIG, "ada@example.com")
    assert links.form_token_fits(CONFIG, token, "ada@example.com")
    assert not links.form_token_fits(CONFIG, token, "eve@example.com")
    assert not links.form_token_fits(OTHER_KEY, token, "ada@example.com")
    assert not links.form_token_fits(CONFIG, None, "ada@example.com")


def test_links_need_a_secret():
    with pytest.raises(ValueError, match="CAMPAIGNS_SECRET"):
        links.preferences_url({"CAMPAIGNS_SECRET": ""}, "ada@example.com")


def test_every_purpose_has_a_default_channel_and_the_event_names_the_address_email():
    from shared.schemas.campaigns.consent import DEFAULT_CHANNEL, PURPOSE_LABELS

    assert set(DEFAULT_CHANNEL) == set(PURPOSES) == set(PURPOSE_LABELS)
    assert "email" in ConsentChangedSchema().fields and "email_norm" not in ConsentChangedSchema().fields
