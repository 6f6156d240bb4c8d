"""Email template operations: each takes a connection inside the caller's
transaction.

- create / update: the parts are checked before they are stored (each
  compiles, and renders in the sandbox for a sample person and for one
  without data: 422 naming the part and line otherwise); a text part left
  empty is made from the HTML part and follows it on later changes; each
  save keeps a version; names are unique in any letter case (409);
- delete: only a template no email send names (409 otherwise);
- preview: the template rendered for a real person of the projection (with
  their account, a campaign's name when given, and their real unsubscribe
  and preference links);
- test send: rendered the same way (a sample person when none is named)
  and queued as a transactional email to the address given, subject
  prefixed with ``[Test]``; no consent check: it goes to the marketer.
"""

from services.campaigns.consent import links
from services.campaigns.sending import queue
from services.campaigns.templates import render, store
from shared.kit.rows import snapshot
from shared.kit.versions import check_version
from shared.schemas.errors import Conflict, DuplicateFound, ValidationFailed

FIELDS = ("id", "name", "description", "subject", "html", "text", "text_generated", "version", "created_by",
          "created_at", "updated_at", "updated_by")
SUMMARY_FIELDS = ("id", "name", "description", "subject", "version", "created_at", "updated_at", "updated_by")
VERSION_FIELDS = ("version", "name", "subject", "html", "text", "saved_by", "saved_at")
TEST_KIND = "template_test"


def template_snapshot(row):
    return snapshot(row, FIELDS)


def _unique(conn, name, template_id=None):
    existing = store.named(conn, name, template_id)
    if existing is not None:
        message = f"Another template is named {name!r} already (names are unique in any letter case)."
        raise DuplicateFound(message, errors={"name": [message]}, existing_id=str(existing["id"]))


def _parts(content):
    """The stored parts of ``content`` (name, subject, html, text given or
    None): the text made from the HTML when empty; checked."""
    html = content.get("html") or None
    text = content.get("text")
    if not (text and text.strip()) and not (html and html.strip()):
        raise ValidationFailed("A template needs an HTML part or a text part.", {
            "text": ["Give a text part, or an HTML part to make it from."]})
    generated = not (text and text.strip())
    if html is not None:
        render.check_syntax("html", html)
    parts = {"subject": content["subject"], "html": html,
             "text": render.text_from_html(html) if generated else text, "text_generated": generated}
    render.check(parts)
    return parts


def create_template(conn, data, actor):
    _unique(conn, data["name"])
    parts = _parts(data)
    row = store.insert_template(conn, {"name": data["name"], "description": data.get("description"), **parts,
                                       "created_by": actor, "updated_by": actor})
    store.save_version(conn, row, actor)
    return template_snapshot(row)


def get_template(conn, template_id):
    return template_snapshot(store.get_template(conn, template_id))


def list_templates(conn, query):
    rows, next_cursor = store.list_templates(conn, query)
    return {"items": [snapshot(row, SUMMARY_FIELDS) for row in rows], "next_cursor": next_cursor}


def update_template(conn, template_id, changes, actor, expected_version=None):
    """Change the template; a text part that was made from the HTML follows
    a new HTML part unless a text part is given (an empty one: made again)."""
    row = store.get_template(conn, template_id, lock=True)
    check_version(row, expected_version, "template")
    if "name" in changes:
        _unique(conn, changes["name"], template_id)
    content = {"subject": changes.get("subject", row["subject"]), "html": changes.get("html", row["html"])}
    if "text" in changes:
        content["text"] = changes["text"]
    elif not row["text_generated"]:
        content["text"] = row["text"]
    values = {key: changes[key] for key in ("name", "description") if key in changes}
    values.update(_parts(content))
    values["updated_by"] = actor
    row = store.update_template(conn, template_id, values)
    store.save_version(conn, row, actor)
    return template_snapshot(row)


def delete_template(conn, template_id, actor, expected_version=None):
    row = store.get_template(conn, template_id, lock=True)
    check_version(row, expected_version, "template")
    sends = store.used_by_sends(conn, template_id)
    if sends:
        raise Conflict(f"Template {row['name']!r} is used by {sends} email send(s); it is kept as their record.",
                       sends=sends)
    store.delete_template(conn, template_id)
    return {"id": str(row["id"]), "deleted": True}


def template_versions(conn, template_id):
    store.get_template(conn, template_id)
    return {"items": [snapshot(row, VERSION_FIELDS) for row in store.versions(conn, template_id)]}


def _person(conn, person_id):
    row = store.person(conn, person_id)
    if row is None:
        raise ValidationFailed(f"No person with id {person_id}.",
                               {"person_id": [f"No such person with id {person_id}."]})
    return row


def _campaign(conn, campaign_id):
    if campaign_id is None:
        return None
    row = store.campaign(conn, campaign_id)
    if row is None:
        raise ValidationFailed(f"No campaign with id {campaign_id}.",
                               {"campaign_id": [f"No such campaign with id {campaign_id}."]})
    return row


def _links(config, email_norm, campaign):
    if not email_norm:
        return {}
    return {"unsubscribe_url": links.unsubscribe_url(config, email_norm, "marketing_email",
                                                     campaign["id"] if campaign else None),
            "preferences_url": links.preferences_url(config, email_norm)}


def preview(conn, template_id, person_id, campaign_id, config):
    """The template rendered for this person (and campaign): {subject, html, text}."""
    template = store.get_template(conn, template_id)
    person = _person(conn, person_id)
    campaign = _campaign(conn, campaign_id)
    extra = {"campaign": {"name": campaign["name"]} if campaign else None,
             **_links(config, person["email_norm"], campaign)}
    return render.render(template, person, extra)


def test_send(conn, template_id, data, actor, config):
    """Queue the template, rendered for a person (or the sample one), to ``to``."""
    template = store.get_template(conn, template_id)
    person = _person(conn, str(data["person_id"])) if data.get("person_id") else render.SAMPLE_PERSON
    campaign = _campaign(conn, str(data["campaign_id"]) if data.get("campaign_id") else None)
    to = data["to"].strip()
    extra = {"campaign": {"name": campaign["name"]} if campaign else render.SAMPLE_EXTRA["campaign"],
             **_links(config, to.lower(), campaign)}
    rendered = render.render(template, person, extra)
    subject = f"[Test] {rendered['subject']}"
    headers = {"X-CRM-Template": f"{template['name'][:100]} v{template['version']}",
               "X-CRM-Test-Send": actor or "yes"}
    email_id = queue.enqueue_transactional(conn, to, subject, rendered["text"], rendered["html"], headers=headers,
                                           kind=TEST_KIND)
    return {"email_id": str(email_id), "to": to, "subject": subject}
