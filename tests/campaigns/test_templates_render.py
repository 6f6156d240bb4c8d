"""Rendering templates in the sandbox (pure): merge fields, escaping in the
HTML part only, defaults for empty fields, sandbox escapes refused, the
rendered HTML sanitised, a text part made from the HTML."""

import pytest

from services.campaigns.templates import render
from shared.schemas.errors import ValidationFailed

PERSON = {"first_name": "Zoë", "last_name": "O'Neil", "email": "zoe@example.org", "company": "Acme & Sons",
          "title": "CTO", "country": "IE", "account_name": "Acme <Holdings>", "account_industry": "Retail",
          "email_norm": "zoe@example.org", "lead_score": 40}
EXTRA = {"campaign": {"name": "Spring"}, "unsubscribe_url": "https://crm.example/u/abc",
         "preferences_url": "https://crm.example/preferences/def"}


def template(subject="Hi {{ person.first_name }}", html=None, text="Hello {{ person.first_name }}"):
    return {"subject": subject, "html": html, "text": text}


def test_every_documented_field_is_filled():
    source = ("{{ person.first_name }}|{{ person.last_name }}|{{ person.email }}|{{ person.company }}|"
              "{{ person.title }}|{{ person.country }}|{{ account.name }}|{{ account.industry }}|{{ campaign.name }}|"
              "{{ unsubscribe_url }}|{{ preferences_url }}")
    rendered = render.render(template(text=source), PERSON, EXTRA)
    assert rendered["text"] == ("Zoë|O'Neil|zoe@example.org|Acme & Sons|CTO|IE|Acme <Holdings>|Retail|Spring|"
                                "https://crm.example/u/abc|https://crm.example/preferences/def")
    assert render.render(template(text="{{ account.name }}"), {"account": {"name": "Nested"}})["text"] == "Nested"


def test_the_html_part_escapes_values_and_the_subject_and_text_do_not():
    person = {**PERSON, "first_name": "<script>alert(1)</script>"}
    rendered = render.render(template(html="<p>Hi {{ person.first_name }} of {{ account.name }}</p>"), person, EXTRA)
    assert rendered["html"] == "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; of Acme &lt;Holdings&gt;</p>"
    assert rendered["subject"] == "Hi <script>alert(1)</script>"
    assert rendered["text"] == "Hello <script>alert(1)</script>"


@pytest.mark.parametrize("person", [{}, {"first_name": None}, {"first_name": "  "}])
def test_an_empty_field_renders_empty_or_its_default(person):
    rendered = render.render(template(subject='Hi {{ person.first_name|default("there") }}!',
                                      text="[{{ person.first_name }}][{{ account.name }}][{{ unsubscribe_url }}]"),
                             person, {})
    assert rendered["subject"] == "Hi there!"
    assert rendered["text"] == "[][][]"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ person.__class__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ 'a' * 100000000 }}",
    "{{ [1] * 100000000 }}",
    "{{ 9 ** 999999 }}",
])
def test_sandbox_escapes_are_refused_at_save(source):
    with pytest.raises(ValidationFailed) as caught:
        render.check(template(html=source))
    assert set(caught.value.errors) == {"html"}
    assert "not allowed" in caught.value.detail


def test_huge_ranges_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        render.check(template(text="{% for i in range(10000000) %}x{% endfor %}"))
    assert "text" in caught.value.errors


@pytest.mark.parametrize(("part", "source", "line"), [
    ("subject", "Hi {{ person.first_name ", 1),
    ("html", "<p>one</p>\n<p>two</p>\n{% if person.first_name %}\n<p>never closed</p>", 3),
    ("text", "line one\nline two {{ person.first_name | }}", 2),
    ("html", "{% for %}", 1),
])
def test_syntax_errors_name_the_part_and_line(part, source, line):
    with pytest.raises(ValidationFailed) as caught:
        render.check({**template(), part: source})
    assert list(caught.value.errors) == [part]
    assert caught.value.errors[part][0].startswith(f"Line {line}:")
    assert f"line {line}" in caught.value.detail


def test_a_template_failing_for_a_person_without_data_is_refused_with_a_hint():
    with pytest.raises(ValidationFailed) as caught:
        render.check(template(text="{{ person.first_name.upper() }}"))
    assert "default" in caught.value.detail
    render.check(template(text="{{ person.first_name|default('you')|upper }}"))


def test_rendered_html_is_sanitised_and_keeps_email_layout():
    html = ('<table cellpadding="4" style="width:100%"><tr><td style="color:#333" align="center">'
            '<a href="{{ unsubscribe_url }}" onclick="steal()">Unsubscribe</a>'
            '<a href="javascript:alert(1)">x</a><img src="https://img.example/logo.png" onerror="x()" alt="logo">'
            '</td></tr></table><script>alert(1)</script><iframe src="https://evil"></iframe>'
            '<form action="https://evil"><input name="p"></form>')
    rendered = render.render(template(html=html), PERSON, EXTRA)["html"]
    for gone in ("script", "onclick", "onerror", "javascript:", "iframe", "<form", "<input", "alert"):
        assert gone not in rendered
    for kept in ('cellpadding="4"', 'style="width:100%"', 'style="color:#333"', 'align="center"',
                 'href="https://crm.example/u/abc"', 'src="https://img.example/logo.png"', 'alt="logo"'):
        assert kept in rendered


def test_a_text_part_is_made_from_the_html_when_there_is_none():
    html = ("<html><head><title>T</title><style>p {color: red}</style></head><body>"
            "<h1>Hello {{ person.first_name|default('there') }}</h1><p>Our <b>spring</b> offer &amp; more.<br>"
            "Second line.</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p></body></html>")
    made = render.text_from_html(html)
    assert made == ("Hello {{ person.first_name|default('there') }}\n\nOur spring offer & more.\nSecond line.\n\n"
                    "Unsubscribe ({{ unsubscribe_url }})\n")
    rendered = render.render(template(html=html, text=None), PERSON, EXTRA)
    assert rendered["text"] == ("Hello Zoë\n\nOur spring offer & more.\nSecond line.\n\n"
                                "Unsubscribe (https://crm.example/u/abc)\n")


def test_the_subject_is_one_line():
    rendered = render.render(template(subject="Hi\n{{ person.first_name }}\r\n  there"), PERSON)
    assert rendered["subject"] == "Hi Zoë there"
