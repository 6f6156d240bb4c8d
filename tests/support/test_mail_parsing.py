"""The mail area's pure rules: case numbers in subjects, threading ids,
mail sent by machines, bounces, and the text of a mail."""

from email.message import EmailMessage

from services.support.mail import parsing

OWN = {"support@crm.local"}


def mail(headers=None, text="Hello", html=None, sender="Ada Lovelace <ada@example.com>"):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@crm.local"
    message["Subject"] = "Pump broken"
    message["Message-ID"] = "<m1@example.com>"
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    return parsing.parse(message.as_bytes())


def test_case_numbers_in_subjects():
    assert parsing.case_number_in("Re: [CASE-000123] Pump broken") == "CASE-000123"
    assert parsing.case_number_in("AW: case-123 still broken") == "CASE-000123"
    assert parsing.case_number_in("Pump broken since CASE123") is None
    assert parsing.case_subject("CASE-000123", "Pump broken") == "[CASE-000123] Pump broken"
    assert parsing.case_subject("CASE-000123", "Re: [CASE-000123] Pump") == "Re: [CASE-000123] Pump"
    assert parsing.clean_subject("Re: Fwd: AW:  Pump   broken") == "Pump broken"
    assert parsing.clean_subject("   ") == "(no subject)"
    assert len(parsing.clean_subject("x" * 1000)) == 300


def test_threading_ids_most_recent_first():
    message = mail({"In-Reply-To": "<c@example.com>",
                    "References": "<a@example.com> <b@example.com> <c@example.com>"})
    assert parsing.referenced_ids(message) == ["<c@example.com>", "<b@example.com>", "<a@example.com>"]


def test_a_message_without_id_gets_one_from_its_bytes():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    first = parsing.message_id_of(parsing.parse(raw), raw)
    assert first == parsing.message_id_of(parsing.parse(raw), raw) and first.endswith("@no-message-id>")


def test_a_persons_mail_is_not_automatic():
    assert parsing.automatic_reason(mail(), OWN) is None
    assert parsing.automatic_reason(mail({"Auto-Submitted": "no"}), OWN) is None
    assert parsing.sender_of(mail()) == ("ada@example.com", "Ada Lovelace")


def test_machines_mail_is_automatic():
    for headers in ({"Auto-Submitted": "auto-replied"}, {"Auto-Submitted": "auto-generated; owner-email=x@y.z"},
                    {"X-Autoreply": "yes"}, {"X-Autorespond": "Out of office"},
                    {"X-Auto-Response-Suppress": "All"}, {"Precedence": "bulk"}, {"Precedence": "junk"},
                    {"Precedence": "list"}, {"Precedence": "auto_reply"}, {"List-Id": "<news.example.com>"}):
        assert parsing.automatic_reason(mail(headers), OWN), headers
    assert parsing.automatic_reason(mail(sender="MAILER-DAEMON@mx.example.com"), OWN)
    assert parsing.automatic_reason(mail(sender="postmaster@example.com"), OWN)
    assert parsing.automatic_reason(mail(sender="Support <Support@crm.local>"), OWN)


DSN = """From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: support@crm.local
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{n}@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

This is the mail system at host mx.example.com.  I'm sorry to have to inform you
that your message could not be delivered to one or more recipients.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {to}
Action: {action}
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B1
Content-Type: message/rfc822

From: support@crm.local
To: {to}
Subject: [CASE-000001] Pump
Message-ID: {original}

Our reply

--B1--
"""


def dsn_bytes(original="<reply-1@crm.local>", to="gone@example.com", n=1, action="failed"):
    return DSN.format(original=original, to=to, n=n, action=action).replace("\n", "\r\n").encode()


def dsn(**kwargs):
    return parsing.parse(dsn_bytes(**kwargs))


def test_a_delivery_status_notification_is_a_bounce_of_our_mail():
    bounce = dsn()
    assert parsing.is_bounce(bounce)
    assert parsing.bounced_message_ids(bounce)[0] == "<reply-1@crm.local>"
    assert "5.1.1" in parsing.failure_of(bounce) and "gone@example.com" in parsing.failure_of(bounce)
    assert parsing.delivery_actions(bounce) == ["failed"]
    assert parsing.delivery_actions(dsn(action="delayed")) == ["delayed"]


def test_a_plain_mailer_daemon_notice_is_a_bounce():
    notice = mail(sender="Mail Delivery Subsystem <mailer-daemon@example.com>",
                  text="Delivery failed.\n\n--- original headers ---\nMessage-ID: <reply-2@crm.local>\n")
    assert parsing.is_bounce(notice)
    assert parsing.bounced_message_ids(notice) == ["<reply-2@crm.local>"]
    assert not parsing.is_bounce(mail())


def test_text_is_preferred_and_html_only_mail_becomes_text():
    assert parsing.body_of(mail(text="Plain words", html="<p>Rich words</p>")) == "Plain words"
    html = ("<html><head><style>p {color: red}</style></head><body><p>Hello&nbsp;there,</p>"
            "<p>the pump <b>stopped</b> &amp; leaks.<br>Line two</p><ul><li>one</li><li>two</li></ul>"
            "<script>alert(1)</script></body></html>")
    text = parsing.body_of(mail(text=None, html=html))
    assert text == "Hello there,\n\nthe pump stopped & leaks.\nLine two\n\n- one\n- two"


def test_the_quoted_earlier_mail_is_cut_from_a_reply():
    reply = ("Thanks, that worked.\n\nLin\n\nOn Wed, 2 Dec 2026 at 10:00, Customer support\n"
             "<support@crm.local> wrote:\n> It ships today.\n>\n> -- \n> Reply to this email\n")
    assert parsing.strip_quoted(reply) == "Thanks, that worked.\n\nLin"
    outlook = ("Still broken.\n\n-----Original Message-----\nFrom: Customer support <support@crm.local>\n"
               "Sent: Wednesday\n\nIt ships today.")
    assert parsing.strip_quoted(outlook) == "Still broken."
    ruled = "Still broken.\n\n________________________________\nFrom: Customer support\nSent: today\n\nOld text"
    assert parsing.strip_quoted(ruled) == "Still broken."
    inline = "> Did it arrive?\nYes, on Monday.\n> And the invoice?\nNot yet."
    assert parsing.strip_quoted(inline) == inline
    assert parsing.strip_quoted("> only a quote\n> nothing else") == "> only a quote\n> nothing else"


def test_attachments_are_named():
    message = EmailMessage()
    message["From"] = "ada@example.com"
    message.set_content("See attached.")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="photo.png")
    parsed = parsing.parse(message.as_bytes())
    assert parsing.attachment_names(parsed) == ["invoice.pdf", "photo.png"]
    assert parsing.body_of(parsed) == "See attached."
