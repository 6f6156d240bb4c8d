"""The survey link's token (no database, no broker): signed with the
secret, refused when altered, cut, or signed with another key."""

import uuid

import pytest

from services.support.surveys import links

SURVEY_ID = str(uuid.uuid4())


def test_a_signed_token_gives_back_its_survey():
    token = links.sign("secret", SURVEY_ID)
    assert links.survey_id_of("secret", token) == SURVEY_ID
    assert len(token) < 120  # fits a link in a plain-text email


def _signature_changed(token):
    """The token with its signature's first character changed (every bit of
    it counts, unlike the last one's, which may only be padding)."""
    value, signature = token.rsplit(".", 1)
    return f"{value}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@pytest.mark.parametrize("alter", [
    _signature_changed,
    lambda token: token[:-5],  # cut by a mail program
    lambda token: token.split(".")[0],  # no signature at all
    # another survey's id with this token's signature
    lambda token: links.sign("secret", str(uuid.uuid4())).split(".")[0] + "." + token.split(".")[1],
    lambda token: "",
    lambda token: "x" * 300,
])
def test_an_altered_token_names_no_survey(alter):
    token = links.sign("secret", SURVEY_ID)
    assert links.survey_id_of("secret", alter(token)) is None


def test_a_token_of_another_key_names_no_survey():
    assert links.survey_id_of("secret", links.sign("another secret", SURVEY_ID)) is None


def test_a_signed_value_that_is_no_survey_id_is_refused():
    from itsdangerous import URLSafeSerializer

    token = URLSafeSerializer("secret", salt=links.SALT).dumps("not-a-uuid")
    assert links.survey_id_of("secret", token) is None


def test_no_secret_signs_nothing():
    with pytest.raises(ValueError, match="SURVEY_SECRET"):
        links.sign("", SURVEY_ID)


def test_the_link_is_under_the_public_address():
    assert links.link("https://crm.example.com/", "abc.def") == "https://crm.example.com/survey/abc.def"
