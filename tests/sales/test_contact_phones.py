"""A contact's phones are stored in E.164, read with its account's country,
beside the texts as they were given; text that reads as no number is refused,
naming the item, and nothing is written."""

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.phones import CONTACT_PHONE_HELP, phone_help
from tests.sales.conftest import account_data, contact_data


def test_phones_are_read_with_the_accounts_country(sales, events):
    account = sales.create_account(account_data(country="gb"))
    texts = ["020 7946 0958 ext. 12", "+1 202 555 0100", "0049 30 1234567"]

    contact = sales.create_contact(contact_data(account_id=account["id"], phones=texts), "tester")

    assert contact["phones"] == ["+442079460958", "+12025550100", "+49301234567"]
    assert contact["phones_text"] == texts
    assert sales.get_contact(contact["id"]) == contact
    (created,) = events.wait_for("contact.created", contact["id"])
    assert (created.data["contact"]["phones"], created.data["contact"]["phones_text"]) == (contact["phones"], texts)


@pytest.mark.parametrize(("account_fields", "phones", "refused"), [
    (None, ["+49 30 1234567", "020 7946 0958"], [1]),  # no account, so no country for a national number
    ({"country": None}, ["020 7946 0958"], [0]),  # an account without a country
    ({"country": "GB"}, ["call me maybe", "020 7946 0958", "12"], [0, 2]),
])
def test_text_that_is_no_number_is_refused_naming_the_item(sales, db, account_fields, phones, refused):
    account_id = sales.create_account(account_data(**account_fields))["id"] if account_fields is not None else None
    data = contact_data(account_id=account_id, phones=phones)
    before = db.scalar("SELECT count(*) FROM contacts")

    with pytest.raises(ValidationFailed) as raised:
        sales.create_contact(data, "tester")

    country = (account_fields or {}).get("country")
    assert raised.value.errors == {"phones": {
        str(index): [phone_help(phones[index], country, CONTACT_PHONE_HELP)] for index in refused}}
    assert db.scalar("SELECT count(*) FROM contacts") == before


def test_changed_phones_are_read_with_the_account_the_contact_has_then(sales):
    german = sales.create_account(account_data(country="DE"))
    british = sales.create_account(account_data(country="GB"))
    contact = sales.create_contact(contact_data(account_id=german["id"], phones=["030 1234567"]), "tester")
    assert contact["phones"] == ["+49301234567"]

    moved = sales.update_contact(contact["id"], {"account_id": british["id"], "phones": ["020 7946 0958"]}, "tester")
    assert (moved["phones"], moved["phones_text"]) == (["+442079460958"], ["020 7946 0958"])
    same = sales.update_contact(contact["id"], {"phones": ["020 7946 0958"]}, "tester")
    assert same["version"] == moved["version"]  # nothing changed

    with pytest.raises(ValidationFailed) as raised:
        sales.update_contact(contact["id"], {"account_id": None, "phones": ["020 7946 0958"]}, "tester")
    assert raised.value.errors == {"phones": {"0": [CONTACT_PHONE_HELP]}}
    assert sales.get_contact(contact["id"]) == same
