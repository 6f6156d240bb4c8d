"""Articles' Markdown as HTML that is safe to show, and as plain text.

Markdown is rendered by markdown-it-py (CommonMark with tables and
strikethrough) with raw HTML off: HTML typed into an article comes out as
text.  The result then goes through nh3 (the ammonia sanitiser) with an
allow-list of tags and attributes, so that no script, style, event handler
or ``javascript:`` link survives even if the renderer had a bug; links get
``rel="noopener noreferrer nofollow"``.  Pure functions: no database.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# Text that is removed with its tag, not kept as text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})

_CODE_CLASS = re.compile(r'class="(language-[A-Za-z0-9_+-]{1,40})"')
_SPACE = re.compile(r"\s+")
# Where a block ends, its words must not run into the next block's.
_BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|td|th|tr|pre|blockquote|div|dt|dd|table|ul|ol)>|<br\s*/?>|<hr\s*/?>)")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])


def _code_classes(rendered):
    """The ``language-xyz`` classes of fenced code blocks (the only classes kept)."""
    return {"code": set(_CODE_CLASS.findall(rendered))}


def sanitise(fragment):
    """An HTML fragment reduced to the allow-list."""
    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel=LINK_REL,
                     clean_content_tags=set(DROPPED_WITH_CONTENT), allowed_classes=_code_classes(fragment),
                     strip_comments=True)


def to_html(markdown):
    """Markdown -> sanitised HTML."""
    return sanitise(_markdown.render(markdown or ""))


def to_text(safe_html):
    """The text of sanitised HTML, whitespace collapsed: what search indexes
    and snippets are cut from (no Markdown syntax, no link targets)."""
    text = nh3.clean(_BLOCK_END.sub(r"\1 ", safe_html), tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def render(markdown):
    """``(html, text)`` of an article's Markdown body."""
    rendered = to_html(markdown)
    return rendered, to_text(rendered)
