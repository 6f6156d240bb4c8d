"""Articles' Markdown is shown as sanitised HTML: XSS payloads (raw HTML,
script and javascript: links, event handlers, styles, data: URLs) never
come out as markup; ordinary Markdown does, links marked nofollow."""

import re

import pytest

from services.support.kb import render

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src='javascript:alert(1)'></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](https://example.com\" onclick=\"alert(1))",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>body{display:none}</style>",
    "```js\" onmouseover=\"alert(1)\nx\n```",
    "<p onclick=alert(1)>hi</p>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[a](<javascript:alert(1)>)",
    "<details open ontoggle=alert(1)>",
]
DANGEROUS = re.compile(r"<\s*(script|style|iframe|svg|math|object|embed|details)|\son\w+\s*=|javascript:|vbscript:|"
                       r"data:|style\s*=", re.IGNORECASE)


def tags_and_attributes(html):
    """The markup of a fragment (the text between tags is left out)."""
    return " ".join(re.findall(r"<[^>]*>", html))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_come_out_as_harmless_text(payload):
    html, text = render.render(f"Before\n\n{payload}\n\nafter")
    markup = tags_and_attributes(html)
    assert not DANGEROUS.search(markup), markup
    assert "Before" in text and "after" in text


@pytest.mark.parametrize("fragment", [
    "<a href=\"javascript:alert(1)\" onclick=\"x()\">a</a>",
    "<img src=x onerror=alert(1)>",
    "<p style=\"color:red\" onmouseover=\"x\">p</p><script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<form action=https://evil.example><input name=p></form>",
])
def test_the_sanitiser_alone_drops_what_a_renderer_bug_could_let_through(fragment):
    markup = tags_and_attributes(render.sanitise(fragment))
    assert not DANGEROUS.search(markup), markup
    assert "<form" not in markup and "<input" not in markup


def test_ordinary_markdown_renders():
    html, text = render.render(
        "# Reset your password\n\nOpen **Settings**, then *Security*.\n\n"
        "1. One\n2. Two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n\n"
        "~~old~~ `code` ![logo](https://example.com/logo.png)\n\n> quoted")
    assert "<h1>Reset your password</h1>" in html
    assert "<strong>Settings</strong>" in html and "<em>Security</em>" in html
    assert "<ol>" in html and "<table>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html and "<s>old</s>" in html
    assert '<img src="https://example.com/logo.png" alt="logo">' in html and "<blockquote>" in html
    assert text.startswith("Reset your password Open Settings, then Security.")


def test_links_get_rel_noopener_noreferrer_nofollow():
    html = render.to_html("[docs](https://example.com/docs \"Docs\") and [mail](mailto:help@example.com)")
    assert html.count('rel="noopener noreferrer nofollow"') == 2
    assert 'href="https://example.com/docs"' in html and 'href="mailto:help@example.com"' in html


def test_raw_html_is_shown_as_text():
    html, text = render.render("Type <b>bold</b> & <script>x</script>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;script&gt;" in html and "&amp;" in html
    assert text == "Type <b>bold</b> & <script>x</script>"


def test_text_keeps_words_of_blocks_apart():
    _, text = render.render("# Title\n\nOne\n\n- two\n- three\n\n|a|b|\n|-|-|\n|c|d|")
    assert text == "Title One two three a b c d"
