"""The support service's mail, for administrators: how the outgoing queue
and the polled mailbox are doing, the outgoing mail list, and sending a
failed mail again."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, listing
from shared.schemas.support.mail import MailStatusSchema, OutgoingMailSchema, OutgoingPageSchema, OutgoingQuerySchema

bp = Blueprint("support_mail", __name__, url_prefix="/api/v1")
TAGS = ["support mail"]


@bp.get("/support/mail")
@requires("support:admin")
@operation("How support's email is doing", tags=TAGS, response=MailStatusSchema,
           description="Outgoing mail by status (queued, sent, failed, bounced), how many are due now, the latest "
                       "failures with their errors, each polled mailbox's last poll and its result, and the mail "
                       "received lately with what became of it (a case opened, threaded, an auto-reply or bounce "
                       "set aside).")
def mail_status():
    return call("support", "mail_status")


@bp.get("/support/mail/outgoing")
@requires("support:admin")
@operation("List outgoing mail (newest change first)", tags=TAGS, query=OutgoingQuerySchema,
           response=OutgoingPageSchema, description="`status` may repeat or hold commas; `case_id` narrows to one "
                                                    "case's mail.")
def list_outgoing(query):
    return listing("support", "list_outgoing_mail", query)


@bp.post("/support/mail/outgoing/<uuid:mail_id>/retry")
@requires("support:admin")
@operation("Send a failed or bounced mail again", tags=TAGS, response=OutgoingMailSchema, problems=(409,),
           description="The mail is queued to go out now (with the same Message-ID); 409 when it is not failed or "
                       "bounced.")
def retry_mail(mail_id):
    return call("support", "retry_mail", str(mail_id), actor())
