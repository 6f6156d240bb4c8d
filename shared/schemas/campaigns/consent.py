"""Contracts of the campaigns service's consent area: the consent ledger
(one address, one decision per purpose and channel, with its legal basis
and evidence, and its append-only history), double opt-in requests, the
public pages of signed links (one-click unsubscribe, preferences,
confirmation), and the event ``consent.changed``."""

from marshmallow import fields, validate

from shared.kit.normalize import normalize_email
from shared.schemas.common import StrictSchema, TrimmedSchema, email_address, text
from shared.schemas.events import register_event

PURPOSES = ("marketing_email", "newsletter", "phone", "sms")
EMAIL_PURPOSES = ("marketing_email", "newsletter")  # those a confirmation link by email can ask for
CHANNELS = ("email", "phone", "sms", "post")
# The channel a purpose is about when none is given (an unsubscribe link's, the preference page's).
DEFAULT_CHANNEL = {"marketing_email": "email", "newsletter": "email", "phone": "phone", "sms": "sms"}
PURPOSE_LABELS = {"marketing_email": "Marketing emails: offers and news about our products",
                  "newsletter": "The newsletter", "phone": "Phone calls about our offers",
                  "sms": "Text messages about our offers"}
STATUSES = ("granted", "withdrawn", "pending_confirmation")
# The lawful bases of GDPR art. 6(1).
LEGAL_BASES = ("consent", "legitimate_interest", "contract", "legal_obligation", "vital_interests", "public_task")
SOURCES = ("form", "import", "api", "preference_page", "unsubscribe_link", "double_opt_in")
# What staff may give as the source of a decision they record or a request they start.
STAFF_SOURCES = ("form", "import", "api")
# A signed link's token (itsdangerous, URL-safe): the payload and its signature.
TOKEN_PATTERN = r"^[A-Za-z0-9_.-]{1,600}$"

PURPOSE_HELP = f"One of {', '.join(PURPOSES)}."
CHANNEL_HELP = (f"One of {', '.join(CHANNELS)}; default: the purpose's own (email for marketing_email and "
                "newsletter, phone, sms).")


def _purpose(**kwargs):
    return fields.String(validate=validate.OneOf(PURPOSES, error=PURPOSE_HELP), metadata={
        "description": "What the person is asked about: " + PURPOSE_HELP}, **kwargs)


class _EvidenceSchema(TrimmedSchema):
    """The evidence fields a recorded decision or a request carries."""

    form_id = text(100, load_default=None, metadata={
        "description": "The form the person used (its id or name), as evidence."})
    wording_version = text(50, load_default=None, metadata={
        "description": "The version of the consent text the person saw, as evidence."})
    ip = fields.IP(load_default=None, allow_none=True, metadata={
        "description": "The person's IP address when they decided."})
    user_agent = text(500, load_default=None, metadata={"description": "Their browser, as evidence."})


class ConsentRecordSchema(_EvidenceSchema):
    """A decision staff records: a person granted or withdrew consent (on
    the phone, on paper, by an import of consents collected elsewhere)."""

    email = email_address(required=True, metadata={"description": "The address the decision is about."})
    purpose = _purpose(required=True)
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(CHANNELS, error=CHANNEL_HELP),
                            metadata={"description": CHANNEL_HELP})
    status = fields.String(required=True, validate=validate.OneOf(("granted", "withdrawn"), error=(
        "granted or withdrawn; a consent that needs confirming is started with POST /campaigns/consent/requests.")))
    legal_basis = fields.String(load_default="consent", validate=validate.OneOf(LEGAL_BASES), metadata={
        "description": "The lawful basis of the processing (default consent); with legitimate_interest, "
                       "marketing email is allowed while the person has not objected (withdrawn)."})
    source = fields.String(load_default="api", validate=validate.OneOf(STAFF_SOURCES), metadata={
        "description": "Where the decision came from (default api)."})
    at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When the person decided (default now; not in the future)."})
    note = text(500, load_default=None, metadata={"description": "Anything worth keeping with the evidence."})


class ConsentRequestSchema(_EvidenceSchema):
    """A consent to ask for: with double opt-in (the default) the person is
    mailed a confirmation link at once and the consent is pending until they
    follow it; without, it is granted at once (single opt-in)."""

    email = email_address(required=True)
    purpose = fields.String(load_default="marketing_email", validate=validate.OneOf(EMAIL_PURPOSES, error=(
        "Double opt-in is for email purposes: marketing_email or newsletter.")), metadata={
        "description": "What the person is asked about: marketing_email (the default) or newsletter."})
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(("email",), error="Double opt-in confirms an email address: "
                                                                      "email (or leave it out)."),
                            metadata={"description": "email (the default): the address confirms it."})
    double_opt_in = fields.Boolean(load_default=True, metadata={
        "description": "Mail a confirmation link (CONFIRM_VALID_DAYS valid) and keep the consent pending until it "
                       "is followed (default true)."})
    source = fields.String(load_default="form", validate=validate.OneOf(STAFF_SOURCES), metadata={
        "description": "Where the request came from (default form)."})


class ConsentQuerySchema(StrictSchema):
    email = email_address(required=True, metadata={"description": "The address (any letter case)."})


class ConsentSchema(StrictSchema):
    """The current decision for an address, purpose and channel."""

    email = fields.String(required=True, metadata={"description": "The address, lower-cased."})
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    legal_basis = fields.String(required=True, validate=validate.OneOf(LEGAL_BASES))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    form_id = fields.String(allow_none=True)
    wording_version = fields.String(allow_none=True)
    at = fields.AwareDateTime(required=True, metadata={"description": "Since when this status holds."})
    confirmed_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When the person confirmed by the emailed link (double opt-in)."})
    version = fields.Integer(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ConsentChangeSchema(StrictSchema):
    """One entry of the history: a change and its evidence."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous_status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))
    legal_basis = fields.String(required=True, validate=validate.OneOf(LEGAL_BASES))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    form_id = fields.String(allow_none=True)
    wording_version = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    request_id = fields.UUID(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "Who recorded it; none: the person themself."})
    note = fields.String(allow_none=True)
    at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class ConsentOfAddressSchema(StrictSchema):
    email = fields.String(required=True)
    current = fields.List(fields.Nested(ConsentSchema), required=True)
    history = fields.List(fields.Nested(ConsentChangeSchema), required=True, metadata={
        "description": "Newest first (at most the last 500 changes)."})


class ConsentOfPersonSchema(ConsentOfAddressSchema):
    person_id = fields.UUID(required=True)
    email = fields.String(allow_none=True, metadata={"description": "None: the person has no email address."})


class ConsentRecordedSchema(StrictSchema):
    changed = fields.Boolean(required=True, metadata={
        "description": "false: the ledger said so already (nothing recorded, no event)."})
    consent = fields.Nested(ConsentSchema, required=True)


class ConsentRequestedSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "pending_confirmation: the confirmation mail is queued; granted: single opt-in, or the "
                       "address had confirmed already (nothing is mailed)."})
    request_id = fields.UUID(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True, metadata={"description": "The confirmation link's end."})
    mail_queued = fields.Boolean(required=True)
    consent = fields.Nested(ConsentSchema, required=True)


# The public pages' RPC answers (the gateway renders them; not API routes) --------

class PublicPurposeSchema(StrictSchema):
    purpose = fields.String(required=True)
    label = fields.String(required=True)
    status = fields.String(allow_none=True)
    subscribed = fields.Boolean(required=True)


class PublicPreferencesSchema(StrictSchema):
    email = fields.String(required=True)
    items = fields.List(fields.Nested(PublicPurposeSchema), required=True)
    form_token = fields.String(required=True)


class PublicPreferencesUpdateSchema(StrictSchema):
    """The preference page's form: the purposes left ticked (all others
    are withdrawn), and the form's own token."""

    form_token = fields.String(required=True, validate=validate.Length(max=600), metadata={
        "description": "The token the page's form carries (a form made elsewhere has none: 403)."})
    subscribed = fields.List(_purpose(), load_default=list, validate=validate.Length(max=len(PURPOSES)))


class EvidenceSchema(TrimmedSchema):
    """Who followed a public link: their IP address and browser."""

    ip = fields.IP(load_default=None, allow_none=True)
    user_agent = fields.String(load_default=None, allow_none=True)


# Events ---------------------------------------------------------------------------

class ConsentChangedSchema(StrictSchema):
    email = fields.String(required=True, metadata={"description": "The address (lower-cased): one address, one "
                                                                  "decision, whichever record it is on."})
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous_status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))
    legal_basis = fields.String(required=True, validate=validate.OneOf(LEGAL_BASES))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    at = fields.AwareDateTime(required=True)
    change_id = fields.Integer(required=True, metadata={
        "description": "The ledger's change number: increases with every change of any address."})


register_event("consent.changed", ConsentChangedSchema, "campaigns",
               "A consent decision changed: granted, withdrawn (an unsubscribe, the preference page, staff) or "
               "pending a double opt-in confirmation. Sales marks the contacts with the address do-not-email "
               "(marketing_email withdrawn) or clears it (granted); leads does the same on leads.")


DO_NOT_EMAIL_MARKS = {"withdrawn": True, "granted": False}


def do_not_email_of(data):
    """What a ``consent.changed`` event's data asks of the records (sales'
    contacts, leads' leads) with its address: ``(email_norm, do_not_email,
    change_id)``, or None when it asks nothing of them: only a marketing
    email decision by email that is granted or withdrawn marks them (another
    purpose or channel, or a consent pending confirmation, does not), and
    only one with its ledger ``change_id`` (which orders the decisions)."""
    if not isinstance(data, dict) or data.get("purpose") != "marketing_email" or data.get("channel") != "email":
        return None
    mark = DO_NOT_EMAIL_MARKS.get(data.get("status"))
    email_norm = normalize_email(data.get("email")) if isinstance(data.get("email"), str) else None
    change_id = data.get("change_id")
    if mark is None or email_norm is None or not isinstance(change_id, int) or isinstance(change_id, bool):
        return None
    return email_norm, mark, change_id
