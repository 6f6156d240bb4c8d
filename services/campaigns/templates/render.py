"""Rendering a template for one person in a sandboxed engine.

Templates are Jinja2 in a ``SandboxedEnvironment``: no attribute starting
with ``_`` (so ``''.__class__.__mro__`` and friends are refused), no unsafe
methods, ranges of at most 100,000 items, and here also no string or list
multiplied past ``MAX_OUTPUT`` characters and no huge powers.  The HTML part
autoescapes (a person named ``<script>`` is text), the subject and text part
do not (they are not HTML).  A merge field without a value renders empty, so
``{{ person.first_name|default("there") }}`` greets everyone.

Decision on sanitising: the rendered HTML goes through nh3 (ammonia) at
render time with an email-friendly allow-list: scripts, styles blocks,
iframes, forms, event handlers (``onclick``...) and ``javascript:`` links are
removed; tables, images and inline ``style`` attributes, which email layouts
depend on, stay.  Render time rather than save time, so the stored template
is what its author wrote, and every output (preview, test send, campaign
send) is cleaned the same way whatever the template or the data hold.

A text part left empty is made from the HTML part (``text_from_html``): the
HTML template's text with paragraph breaks, its merge fields intact.

Pure functions: no database.
"""

import functools
import html as html_lib
import re

import nh3
from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from shared.schemas.errors import ValidationFailed

PARTS = ("subject", "html", "text")
# The most characters one rendered part may have (and a string or list an expression may build).
MAX_OUTPUT = 1_000_000
MAX_EXPONENT = 100
PERSON_FIELDS = ("first_name", "last_name", "email", "company", "title", "country")
ACCOUNT_FIELDS = ("name", "industry")

EMAIL_TAGS = frozenset({
    "a", "abbr", "address", "b", "big", "blockquote", "br", "caption", "center", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
})
COMMON_ATTRIBUTES = {"style", "class", "align", "valign", "dir", "lang", "title", "width", "height", "bgcolor",
                     "color", "border"}
EMAIL_ATTRIBUTES = {
    "*": COMMON_ATTRIBUTES,
    "a": {"href", "name", "target"},
    "img": {"src", "alt"},
    "table": {"cellpadding", "cellspacing", "role"},
    "td": {"colspan", "rowspan", "nowrap"},
    "th": {"colspan", "rowspan", "scope"},
    "font": {"face", "size"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript",
                                  "head", "title"})
_BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|tr|table|blockquote|div|dt|dd|ul|ol|pre)>|<br\s*/?>|<hr\s*/?>)",
                        re.IGNORECASE)
_BLOCK_START = re.compile(r"(<(?:p|h[1-6]|li|tr|table|blockquote|div|dt|dd|ul|ol|pre)\b)", re.IGNORECASE)
_CELL_END = re.compile(r"(</t[dh]>)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t]*(\n[ \t]*)+")
_SPACES = re.compile(r"[ \t]+")
# A link's address is kept in the text part: "label (https://...)".
_LINK = re.compile(r"<a\b[^>]*\bhref\s*=\s*(\"[^\"]*\"|'[^']*')[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with ``*`` and ``**`` bounded too (``'x' * 10**9``
    would otherwise build a gigabyte)."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj, attribute):
        # Jinja would answer an undefined value that prints as nothing; a template that reaches for
        # internals is refused instead, so its author learns it at once.
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__} is not allowed")

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"Powers above {MAX_EXPONENT} are not allowed in a template.")
            return left ** right
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(times, int) and \
                    len(sequence) * times > MAX_OUTPUT:
                raise SecurityError(f"An expression may not build more than {MAX_OUTPUT} items.")
        return left * right


def _environment(autoescape):
    return _Sandbox(autoescape=autoescape, undefined=ChainableUndefined, finalize=_finalize,
                    keep_trailing_newline=True)


def _finalize(value):
    return "" if value is None else value


HTML_ENV = _environment(True)
TEXT_ENV = _environment(False)


def _env(part):
    return HTML_ENV if part == "html" else TEXT_ENV


def _problem(part, message, lineno=None):
    where = f"line {lineno}: " if lineno else ""
    return ValidationFailed(f"The {part} part of the template cannot be used: {where}{message}",
                            {part: [f"{where[:1].upper()}{where[1:]}{message}" if where else message]})


def check_syntax(part, source):
    """ValidationFailed (422 naming the part and the line) when ``source``
    is not a template Jinja can compile."""
    if not source:
        return
    try:
        _env(part).parse(source)
    except TemplateSyntaxError as exc:
        raise _problem(part, exc.message or "syntax error", exc.lineno) from None


def _present(values, fields):
    """The fields with a value: None and blank text are left out, so they are
    undefined in the template (empty, or their ``default``)."""
    result = {}
    for field in fields:
        value = values.get(field) if values else None
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, ""):
            result[field] = value
    return result


def context(person, extra=None):
    """The merge fields of ``person`` (a ``people`` row, with its account as
    ``account`` (a dict) or ``account_name`` / ``account_industry``) and
    ``extra`` (``campaign``: a dict or a name; ``unsubscribe_url``,
    ``preferences_url``)."""
    person = person or {}
    extra = extra or {}
    account = person.get("account") or {"name": person.get("account_name"),
                                        "industry": person.get("account_industry")}
    campaign = extra.get("campaign")
    if isinstance(campaign, str):
        campaign = {"name": campaign}
    result = {"person": _present(person, PERSON_FIELDS), "account": _present(account, ACCOUNT_FIELDS),
              "campaign": _present(campaign or {}, ("name",))}
    result.update(_present(extra, ("unsubscribe_url", "preferences_url")))
    return result


@functools.lru_cache(maxsize=512)
def _compiled(part, source):
    """The compiled template of one part (a send renders the same source for
    every recipient: it is compiled once per process)."""
    return _env(part).from_string(source)


def render_part(part, source, values):
    """One part rendered with ``values`` (``context``); ValidationFailed naming
    the part for what the sandbox refuses or what fails while rendering."""
    if source is None:
        return None
    try:
        output = _compiled(part, source).render(values)
    except TemplateSyntaxError as exc:
        raise _problem(part, exc.message or "syntax error", exc.lineno) from None
    except SecurityError as exc:
        raise _problem(part, f"not allowed: {exc}") from None
    except TemplateError as exc:
        raise _problem(part, str(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError) as exc:
        raise _problem(part, f"{type(exc).__name__}: {exc}") from None
    if len(output) > MAX_OUTPUT:
        raise _problem(part, f"it renders to more than {MAX_OUTPUT} characters")
    return output


def sanitise(fragment):
    """Rendered HTML reduced to what an email may safely hold (see the module)."""
    return nh3.clean(fragment, tags=set(EMAIL_TAGS), attributes={k: set(v) for k, v in EMAIL_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), clean_content_tags=set(DROPPED_WITH_CONTENT),
                     strip_comments=True, link_rel="noopener noreferrer")


def text_from_html(source):
    """A plain-text part made from an HTML part (a template or rendered HTML):
    its text, a line break after each block, a link's address after its label."""
    if not source:
        return ""
    with_links = _LINK.sub(lambda match: f"{match.group(2)} ({match.group(1)[1:-1]})", source)
    blocks = _CELL_END.sub(r"\1 ", _BLOCK_START.sub(lambda match: "\n" + match.group(1), with_links))
    stripped = nh3.clean(_BLOCK_END.sub(lambda match: match.group(1) + "\n", blocks), tags=set(),
                         clean_content_tags=set(DROPPED_WITH_CONTENT), strip_comments=True)
    text = html_lib.unescape(stripped)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


def render(template, person, extra=None):
    """{subject, html, text} of ``template`` (a row of ``templates``) for
    ``person`` (a row of ``people`` with its account's fields) and ``extra``
    (unsubscribe_url, preferences_url, campaign).

    ``html`` is None when the template has no HTML part; the subject is one
    line.  ValidationFailed (naming the part) when the template cannot be
    rendered: refused by the sandbox, or failing on this person's data."""
    values = context(person, extra)
    subject = render_part("subject", template["subject"], values)
    rendered_html = render_part("html", template.get("html"), values)
    text = render_part("text", template.get("text") or text_from_html(template.get("html")), values)
    return {"subject": " ".join(subject.split()), "html": sanitise(rendered_html) if rendered_html else None,
            "text": text}


SAMPLE_PERSON = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                 "company": "Analytical Engines Ltd", "title": "Head of Research", "country": "GB",
                 "account_name": "Analytical Engines Ltd", "account_industry": "Technology"}
SAMPLE_EXTRA = {"campaign": {"name": "Sample campaign"}, "unsubscribe_url": "https://example.com/u/sample",
                "preferences_url": "https://example.com/preferences/sample"}


def check(template):
    """Everything a template must pass to be saved: each part compiles, and
    renders for a sample person and for a person with no data at all (what
    the sandbox refuses only shows when rendering)."""
    for part in PARTS:
        check_syntax(part, template.get(part))
    render(template, SAMPLE_PERSON, SAMPLE_EXTRA)
    try:
        render(template, {}, {})
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"{exc.detail} (for a person whose fields are empty: use a filter like default)",
            {part: [f"For a person whose fields are empty: {message}" for message in messages]
             for part, messages in exc.errors.items()}) from None
