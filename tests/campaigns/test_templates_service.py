"""Email templates over the real broker and database: saving checks the
parts (syntax errors name the line, sandbox escapes are refused), names are
unique, versions are kept, a preview renders a real person of the
projection with their own links, and a test send reaches a real SMTP server
through the sender."""

import uuid

import pytest

from services.campaigns.consent import links
from shared.schemas.campaigns import templates as contract
from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.campaigns.sending_fixtures import sender_service, sending, smtp  # noqa: F401 - the fixtures
from tests.campaigns.test_campaigns_service import account_row, person_row
from tests.helpers import wait_for
from tests.services import unique

HTML = ("<h1>Hello {{ person.first_name|default('there') }}</h1>"
        "<p>{{ account.name }} ({{ account.industry }}) in {{ campaign.name }}</p>"
        "<p><a href=\"{{ unsubscribe_url }}\" onclick=\"x()\">Unsubscribe</a></p><script>alert(1)</script>")


def new_template(sending, **values):  # noqa: F811 - the fixture's proxy
    data = {"name": unique("Template "), "subject": "Hi {{ person.first_name|default('there') }}", "html": HTML,
            **values}
    return sending.create_template(data, "ann")


def test_create_makes_the_text_part_and_keeps_versions(sending):  # noqa: F811
    template = new_template(sending)
    assert template["text_generated"] is True and template["version"] == 1
    assert template["text"].startswith("Hello {{ person.first_name|default('there') }}\n\n")
    assert "Unsubscribe ({{ unsubscribe_url }})" in template["text"]
    changed = sending.update_template(template["id"], {"html": "<p>New {{ person.last_name }}</p>"}, "bob", 1)
    assert changed["text"] == "New {{ person.last_name }}\n" and changed["version"] == 2  # it follows the HTML
    own = sending.update_template(template["id"], {"text": "Plain {{ person.first_name }}"}, "bob")
    assert (own["text"], own["text_generated"]) == ("Plain {{ person.first_name }}", False)
    kept = sending.update_template(template["id"], {"html": "<p>Other</p>"}, "bob")
    assert kept["text"] == "Plain {{ person.first_name }}"  # a written text part stays
    again = sending.update_template(template["id"], {"text": ""}, "bob")
    assert (again["text"], again["text_generated"]) == ("Other\n", True)
    with pytest.raises(PreconditionFailed):
        sending.update_template(template["id"], {"name": "Stale"}, "bob", 2)
    versions = sending.template_versions(template["id"])["items"]
    assert [item["version"] for item in versions] == [5, 4, 3, 2, 1]
    assert versions[-1]["html"] == HTML and versions[0]["saved_by"] == "bob"
    assert sending.get_template(template["id"])["updated_by"] == "bob"


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"subject": "Hi {{ person.first_name "}, "subject", "Line 1"),
    ({"html": "<p>a</p>\n{% for x in %}"}, "html", "Line 2"),
    ({"html": None, "text": "ok\nok\n{{ person.first_name | }}"}, "text", "Line 3"),
    ({"html": "{{ ''.__class__.__mro__ }}"}, "html", "not allowed"),
    ({"html": "{{ lipsum.__globals__ }}"}, "html", "not allowed"),
    ({"text": "{{ 'x' * 1000000000 }}"}, "text", "not allowed"),
    ({"html": None, "text": None}, "text", "text part"),
    ({"html": "   ", "text": "  "}, "text", "text part"),
    ({"subject": None}, "subject", ""),
    ({"name": "n" * 201}, "name", ""),
    ({"html": "x" * 200_001}, "html", ""),
    ({"colour": "red"}, "colour", ""),
])
def test_bad_templates_are_refused_and_nothing_is_written(sending, db, data, field, words):  # noqa: F811
    before = db.scalar("SELECT count(*) FROM templates")
    with pytest.raises(ValidationFailed) as caught:
        new_template(sending, **data)
    assert field in caught.value.errors
    assert words in " ".join(caught.value.errors[field])
    assert db.scalar("SELECT count(*) FROM templates") == before


def test_an_unsafe_change_is_refused_and_the_template_stays(sending):  # noqa: F811
    template = new_template(sending)
    with pytest.raises(ValidationFailed) as caught:
        sending.update_template(template["id"], {"subject": "{{ person.__class__.__init__.__globals__ }}"}, "bob")
    assert "subject" in caught.value.errors
    assert sending.get_template(template["id"]) == template


def test_names_are_unique_in_any_letter_case(sending):  # noqa: F811
    template = new_template(sending)
    with pytest.raises(DuplicateFound) as caught:
        new_template(sending, name=template["name"].upper())
    assert caught.value.extra["existing_id"] == template["id"]
    other = new_template(sending)
    with pytest.raises(DuplicateFound):
        sending.update_template(other["id"], {"name": template["name"]}, "ann")
    assert sending.update_template(template["id"], {"name": template["name"].lower()}, "ann")["version"] == 2


def test_list_and_search(sending):  # noqa: F811
    tag = unique("tq")
    made = [new_template(sending, name=f"{tag} {letter}", subject=f"About {fruit}")
            for letter, fruit in (("c", "cherry"), ("a", "apple"), ("b", "banana"))]
    page = sending.list_templates({"q": tag, "limit": 2})
    assert [item["name"] for item in page["items"]] == [f"{tag} a", f"{tag} b"]
    rest = sending.list_templates({"q": tag, "limit": 2, "cursor": page["next_cursor"]})
    assert [item["name"] for item in rest["items"]] == [f"{tag} c"] and rest["next_cursor"] is None
    assert [item["id"] for item in sending.list_templates({"q": f"{tag} about apple"})["items"]] == [made[1]["id"]]
    newest = sending.list_templates({"q": tag, "sort": "-updated_at"})["items"]
    assert newest[0]["id"] == made[2]["id"]


def test_preview_renders_a_real_person_with_their_links(sending, db, campaigns_config):  # noqa: F811
    account = account_row(db, "Acme <Holdings>", "Retail")
    person = person_row(db, first_name="<b>Zoë</b>", email="Zoe.Preview@Example.org", account=account)
    campaign = sending.create_campaign({"name": "Spring & Summer", "type": "email"}, "ann")
    template = new_template(sending)
    rendered = sending.preview_template(template["id"], person, campaign["id"])
    assert rendered["subject"] == "Hi <b>Zoë</b>"
    unsubscribe = links.unsubscribe_url(campaigns_config, "zoe.preview@example.org", "marketing_email", campaign["id"])
    assert rendered["html"] == (
        "<h1>Hello &lt;b&gt;Zoë&lt;/b&gt;</h1><p>Acme &lt;Holdings&gt; (Retail) in Spring &amp; Summer</p>"
        f"<p><a href=\"{unsubscribe}\" rel=\"noopener noreferrer\">Unsubscribe</a></p>")
    assert rendered["text"].startswith("Hello <b>Zoë</b>\n\nAcme <Holdings> (Retail) in Spring & Summer\n\n")
    assert f"Unsubscribe ({unsubscribe})" in rendered["text"]
    nobody = db.scalar("INSERT INTO people (kind, source_id) VALUES ('lead', %s) RETURNING id", (str(uuid.uuid4()),))
    bare = sending.preview_template(template["id"], str(nobody))
    assert bare["subject"] == "Hi there" and "Unsubscribe ()" in bare["text"]
    with pytest.raises(ValidationFailed) as caught:
        sending.preview_template(template["id"], str(uuid.uuid4()))
    assert caught.value.errors["person_id"][0].startswith("No such person")
    with pytest.raises(ValidationFailed) as caught:
        sending.preview_template(template["id"], person, str(uuid.uuid4()))
    assert "campaign_id" in caught.value.errors
    with pytest.raises(ValidationFailed):
        sending.preview_template(template["id"], "someone")
    with pytest.raises(NotFound):
        sending.preview_template(str(uuid.uuid4()), person)


def test_a_test_send_reaches_the_mail_server(sending, db, smtp):  # noqa: F811
    person = person_row(db, first_name="Grace", email=f"{unique('g')}@example.org")
    template = new_template(sending, subject="Offer for {{ person.first_name }}")
    to = f"{unique('marketer')}@example.com"
    sent = sending.test_send(template["id"], to, person, "ann")
    assert (sent["to"], sent["subject"]) == (to, "[Test] Offer for Grace")
    row = db.one("SELECT * FROM outgoing_mail WHERE id = %s", (sent["email_id"],))
    assert (row["kind"], row["to_address"]) == ("template_test", to)

    def received():
        return [message for envelope, message in smtp.messages() if to in envelope["to"]]

    [message] = wait_for(received, 20, message="the test send did not reach the SMTP server")
    assert message["Subject"] == "[Test] Offer for Grace"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("Hello Grace") and "<h1>Hello Grace</h1>" in html and "script" not in html
    sample = sending.test_send(template["id"], to, None, "ann")
    assert sample["subject"] == "[Test] Offer for Ada"  # the sample person
    with pytest.raises(ValidationFailed) as caught:
        sending.test_send(template["id"], "not an address", None, "ann")
    assert "to" in caught.value.errors
    with pytest.raises(ValidationFailed):
        sending.test_send(template["id"], to, str(uuid.uuid4()), "ann")


def test_delete_only_an_unused_template(sending, db):  # noqa: F811
    unused, used = new_template(sending), new_template(sending)
    with pytest.raises(PreconditionFailed):
        sending.delete_template(unused["id"], "ann", 7)
    assert sending.delete_template(unused["id"], "ann", 1) == {"id": unused["id"], "deleted": True}
    with pytest.raises(NotFound):
        sending.get_template(unused["id"])
    assert db.scalar("SELECT count(*) FROM template_versions WHERE template_id = %s", (unused["id"],)) == 0
    campaign = sending.create_campaign({"name": unique("c"), "type": "email"}, "ann")
    db.conn.execute("INSERT INTO email_sends (campaign_id, template_id, audience_kind, status)"
                    " VALUES (%s, %s, 'members', 'cancelled')", (campaign["id"], used["id"]))
    with pytest.raises(Conflict) as caught:
        sending.delete_template(used["id"], "ann")
    assert caught.value.extra["sends"] == 1
    assert sending.get_template(used["id"])["id"] == used["id"]


def test_answers_match_the_contracts(sending, db):  # noqa: F811
    template = new_template(sending, description="About spring")
    person = person_row(db)
    checks = [
        (contract.TemplateSchema(), template),
        (contract.TemplateSchema(), sending.update_template(template["id"], {"text": "Hi"}, "ann")),
        (contract.TemplatePageSchema(), sending.list_templates({"q": template["name"]})),
        (contract.TemplateVersionListSchema(), sending.template_versions(template["id"])),
        (contract.RenderedSchema(), sending.preview_template(template["id"], person)),
        (contract.TemplateTestSentSchema(), sending.test_send(template["id"], "qa@example.org", person, "ann")),
    ]
    for schema, answer in checks:
        assert schema.validate(answer) == {}, (type(schema).__name__, answer)
