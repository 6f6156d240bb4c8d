"""Fields whose documented JSON Schema and marshmallow rules must agree: what
the OpenAPI document calls valid, the contract accepts."""

import re

import pytest
from marshmallow import ValidationError

from shared.schemas.common import EMAIL_PATTERN
from shared.schemas.leads import LeadCreateSchema, ScoringRulesSchema
from shared.schemas.sales.contacts import ContactCreateSchema


@pytest.mark.parametrize("email", ["ada@example.org", "a.b+crm@mail.example.co.uk", "0@0.aa", "x_y@a-b.io",
                                   "o'neil@example.ie", "a@b.c0"])
def test_an_address_the_pattern_allows_is_accepted(email):
    assert re.match(EMAIL_PATTERN, email)
    assert LeadCreateSchema().load({"email": email})["email"] == email
    assert ContactCreateSchema().load({"last_name": "Lovelace", "emails": [email]})["emails"] == [email]


@pytest.mark.parametrize("email", ["0@0.a", "ada@example", "a..b@example.org", ".a@example.org",
                                   "a@-example.org", "ada@example.org.", "ada"])
def test_an_address_the_pattern_refuses_is_refused(email):
    assert not re.match(EMAIL_PATTERN, email)
    with pytest.raises(ValidationError) as raised:
        LeadCreateSchema().load({"email": email})
    assert "email" in raised.value.messages


def test_an_engagement_maximum_is_a_whole_number_however_written():
    rule = {"id": "e", "name": "Engagement", "field": "engagement", "operator": "engagement", "points": 5}
    loaded = ScoringRulesSchema().load({"rules": [{**rule, "value": 25.0}]})["rules"][0]
    assert loaded["value"] == 25 and isinstance(loaded["value"], int)
    assert ScoringRulesSchema().load({"rules": [{**rule, "value": 25.5}]})["rules"][0]["value"] == 25.5
