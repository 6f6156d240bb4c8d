"""Contracts of the sales service: pipelines (configurable stages),
opportunities, their stage history and the pipeline board."""

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    AuthoredSchema,
    JsonObject,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    VersionedSchema,
    WholeNumber,
    filter_values,
    text,
)
from shared.schemas.events import register_event

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLUG_HELP = "Use up to 64 lower-case letters, digits, '_' and '-', starting with a letter or digit (like 'proposal')."
CATEGORIES = ("open", "won", "lost")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
# The forecast category a stage gets when its configuration names none.
DEFAULT_FORECAST_CATEGORY = {"open": "pipeline", "won": "closed", "lost": "omitted"}
MAX_STAGES = 50
MAX_AMOUNT = Decimal("9999999999999999.99")  # numeric(18, 2)
AMOUNT_RANGE = "Must be between 0 and 9999999999999999.99."
# Money as the document shows it: 0 to 9999999999999999.99, up to two decimal places.
MONEY_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
CENTS = Decimal("0.01")


def slug(**kwargs):
    kwargs["metadata"] = {"maxLength": 64, **kwargs.get("metadata", {})}
    return fields.String(validate=validate.Regexp(SLUG_PATTERN, error=SLUG_HELP), **kwargs)


class Money(fields.Decimal):
    """A non-negative amount with at most two decimal places, carried as a
    decimal string ("1250.00"); more places are refused, not rounded.  A
    JSON number is taken too, but the document shows the string form only
    (a float cannot carry every amount exactly)."""

    def __init__(self, **kwargs):
        metadata = kwargs.pop("metadata", {})
        kwargs["metadata"] = {"pattern": MONEY_PATTERN, "example": "12500.00", **metadata}
        super().__init__(places=2, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite():
            raise self.make_error("special")
        if number.as_tuple().exponent < -2:
            raise ValidationError("Use at most two decimal places (like 1250.50).")
        if number < 0 or number > MAX_AMOUNT:
            raise ValidationError(AMOUNT_RANGE)
        return number.quantize(CENTS)


# Pipelines ------------------------------------------------------------------

class StageSchema(StrictSchema):
    """A stage of a pipeline as the API shows it."""

    key = fields.String(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "1 for the first stage."})
    probability = fields.Integer(required=True, metadata={"description": "Default win probability, 0..100."})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    forecast_category = fields.String(required=True, validate=validate.OneOf(FORECAST_CATEGORIES))
    next_stages = fields.List(fields.String(), allow_none=True, metadata={
        "description": "The stages an opportunity may move to from this one; null: the default moves "
                       "(from an open stage to any other stage; from won/lost back to an open stage)."})


class StageInputSchema(TrimmedSchema):
    """A stage in a pipeline's configuration."""

    trimmed = ("name",)

    key = slug(required=True, metadata={"description": "Stays the same for the stage's life; opportunities name it."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    position = WholeNumber(validate=validate.Range(min=1, max=1000), metadata={
        "description": "Optional; when given on every stage the stages are ordered by it, else by their order "
                       "in the list."})
    probability = WholeNumber(required=True, validate=validate.Range(min=0, max=100),
                                 metadata={"description": "Default win probability (percent) of the stage."})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    forecast_category = fields.String(validate=validate.OneOf(FORECAST_CATEGORIES), metadata={
        "description": "Default: pipeline for open stages, closed for won, omitted for lost."})
    next_stages = fields.List(slug(), allow_none=True, validate=validate.Length(max=MAX_STAGES), metadata={
        "description": "Keys of the stages an opportunity may move to from this one (replaces the default moves)."})


def _check_stages(stages):
    """Per-field errors of a pipeline's stage list (an empty dict when fine)."""
    errors = {}
    keys = [stage["key"] for stage in stages]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        errors.setdefault("stages", []).append(f"Stage keys must be unique; repeated: {', '.join(repeated)}.")
    categories = {stage["category"] for stage in stages}
    for category in CATEGORIES:
        if category not in categories:
            errors.setdefault("stages", []).append(f"A pipeline needs at least one {category} stage.")
    given = [stage.get("position") for stage in stages]
    if any(position is not None for position in given):
        if None in given:
            errors.setdefault("stages", []).append("Give a position on every stage or on none.")
        elif len(set(given)) != len(given):
            errors.setdefault("stages", []).append("Stage positions must be unique.")
    for stage in stages:
        unknown = [key for key in stage.get("next_stages") or () if key not in keys]
        if unknown:
            errors.setdefault("stages", []).append(
                f"Stage {stage['key']!r} lists next stages that are not in this pipeline: {', '.join(unknown)}.")
        if stage["key"] in (stage.get("next_stages") or ()):
            errors.setdefault("stages", []).append(
                f"Stage {stage['key']!r} lists itself in next_stages; staying in a stage is not a move.")
    return errors


STAGES_RULE = ("In board order; at least one open, one won and one lost stage. Stage keys are unique; a position "
               "is given on every stage or on none, and positions are unique; next_stages name other stages of "
               "this pipeline.")


def _stages_json_schema():
    """The stage rules JSON Schema can say: a stage of each category, and a
    position on every stage or on none (uniqueness is said in words)."""
    each_category = [{"contains": {"type": "object", "required": ["category"],
                                   "properties": {"category": {"const": category}}}} for category in CATEGORIES]
    positions = {"anyOf": [{"items": {"type": "object", "required": ["position"]}},
                           {"items": {"type": "object", "not": {"required": ["position"]}}}]}
    return {"allOf": [{"properties": {"stages": rule}} for rule in (*each_category, positions)]}


class PipelineConfigSchema(TrimmedSchema):
    trimmed = ("name",)
    json_schema_extra = _stages_json_schema()

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    is_default = fields.Boolean(metadata={
        "description": "true makes this the default pipeline (the previous default loses the flag)."})
    stages = fields.List(fields.Nested(StageInputSchema), required=True,
                         validate=validate.Length(max=MAX_STAGES, error="At most 50 stages."),
                         metadata={"description": STAGES_RULE})

    @validates_schema
    def stages_fit_together(self, data, **kwargs):
        errors = _check_stages(data.get("stages") or [])
        if errors:
            raise ValidationError(errors)

    @post_load
    def ordered(self, data, **kwargs):
        stages = data["stages"]
        if stages and stages[0].get("position") is not None:
            stages = sorted(stages, key=lambda stage: stage["position"])
        data["stages"] = [
            {**stage, "position": position,
             "forecast_category": stage.get("forecast_category") or DEFAULT_FORECAST_CATEGORY[stage["category"]],
             "next_stages": stage.get("next_stages")}
            for position, stage in enumerate(stages, start=1)
        ]
        return data


class PipelineCreateSchema(PipelineConfigSchema):
    id = slug(required=True, metadata={"description": "The pipeline's id, a slug like 'enterprise'."})
    is_default = fields.Boolean(load_default=False, metadata={
        "description": "true makes this the default pipeline (the previous default loses the flag)."})


class PipelineUpdateSchema(PipelineConfigSchema):
    """Replaces the name and the stages (PUT); is_default, when given, moves the default flag here
    (the default pipeline cannot give it up: make another one the default). A stage still used by
    opportunities cannot be removed nor change its category."""


class PipelineSchema(VersionedSchema):
    """A pipeline as the API shows it."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    changed_by = fields.String(allow_none=True, metadata={
        "description": "Who created the pipeline or last changed its configuration (none for the seeded default)."})
    stages = fields.List(fields.Nested(StageSchema), required=True, metadata={"description": "In position order."})


class PipelineListSchema(StrictSchema):
    items = fields.List(fields.Nested(PipelineSchema), required=True)


# Opportunities --------------------------------------------------------------

NEEDED = {"null": "Give a value: this field cannot be empty."}
CURRENCY = validate.Regexp(r"^[A-Za-z]{3}$", error="Use a three-letter ISO 4217 code, like EUR.")
AMOUNT_HELP = "A decimal string from 0 to 9999999999999999.99 with up to two places, like \"12500.00\"."
CLOSE_TO_HELP = "Expected close on or before this day; not before close_from (422 otherwise)."
TEXT_FIELDS = ("name", "source", "campaign_id", "owner", "next_step", "loss_reason", "currency")


class OpportunityFieldsSchema(TrimmedSchema):
    """What may be set on an opportunity both when creating and when changing it."""

    trimmed = TEXT_FIELDS
    upper = ("currency",)

    account_id = fields.UUID(error_messages=NEEDED,
                             metadata={"description": "The account (customer); must exist and not be merged."})
    primary_contact_id = fields.UUID(allow_none=True, metadata={
        "description": "A contact of the account (or one without an account)."})
    name = fields.String(error_messages=NEEDED, validate=validate.Length(min=1, max=200))
    amount = Money(error_messages=NEEDED, metadata={"description": AMOUNT_HELP})
    currency = fields.String(error_messages=NEEDED, validate=CURRENCY, metadata={"description": "ISO 4217, like EUR."})
    stage = slug(error_messages=NEEDED, metadata={"description": "A stage key of the opportunity's pipeline."})
    probability = WholeNumber(allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "Win probability in percent; given, it overrides the stage's (null: follow the stage)."})
    forecast_category = fields.String(allow_none=True, validate=validate.OneOf(FORECAST_CATEGORIES), metadata={
        "description": "Overrides the stage's forecast category; null: the stage's."})
    expected_close_date = fields.Date(error_messages=NEEDED)
    source = text(100)
    campaign_id = text(64)
    owner = text(100, metadata={"description": "The username of an active user (GET /api/v1/users/directory)."})
    next_step = text(500)
    loss_reason = text(500, metadata={"description": "Required when moving to a lost stage."})
    attributes = JsonObject(metadata={"description": "Custom attributes, a JSON object."})


class OpportunityCreateSchema(OpportunityFieldsSchema):
    account_id = fields.UUID(required=True, error_messages=NEEDED,
                             metadata={"description": "The account; must exist and not be merged."})
    name = fields.String(required=True, error_messages=NEEDED, validate=validate.Length(min=1, max=200))
    amount = Money(load_default=Decimal("0.00"), error_messages=NEEDED,
                   metadata={"description": AMOUNT_HELP + " Default 0."})
    currency = fields.String(required=True, error_messages=NEEDED, validate=CURRENCY,
                             metadata={"description": "ISO 4217, like EUR."})
    pipeline_id = slug(allow_none=True, metadata={"description": "Default: the default pipeline."})
    stage = slug(allow_none=True, metadata={"description": "Default: the pipeline's first open stage."})
    expected_close_date = fields.Date(required=True, error_messages=NEEDED)


class OpportunityUpdateSchema(OpportunityFieldsSchema):
    """Only the given keys change (PATCH). A new ``stage`` must be a legal move (see the pipeline's stages);
    moving to a lost stage needs a ``loss_reason``."""


class OpportunitySchema(AuthoredSchema):
    """An opportunity as returned by the API and carried in events."""

    id = fields.UUID(required=True)
    account_id = fields.UUID(required=True)
    primary_contact_id = fields.UUID(allow_none=True)
    name = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True, places=2, metadata={"description": "Like \"12500.00\"."})
    currency = fields.String(required=True)
    pipeline_id = fields.String(required=True)
    stage = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES),
                             metadata={"description": "The stage's category: open, won or lost."})
    probability = fields.Integer(required=True)
    probability_overridden = fields.Boolean(required=True, metadata={
        "description": "true when the probability was set by hand instead of following the stage."})
    forecast_category = fields.String(allow_none=True, metadata={"description": "Own override; null: the stage's."})
    expected_close_date = fields.Date(required=True)
    closed_on = fields.Date(allow_none=True, metadata={"description": "The day it was won or lost."})
    source = fields.String(allow_none=True)
    campaign_id = fields.String(allow_none=True)
    lead_id = fields.UUID(allow_none=True, metadata={"description": "The lead it was converted from."})
    owner = fields.String(allow_none=True)
    next_step = fields.String(allow_none=True)
    loss_reason = fields.String(allow_none=True)
    attributes = fields.Dict(required=True)


WARNING_CODES = ("missing_exchange_rate",)


class SaveWarningSchema(StrictSchema):
    """Something a save did that the person should know about, although it succeeded."""

    code = fields.String(required=True, validate=validate.OneOf(WARNING_CODES), metadata={
        "description": "missing_exchange_rate: the amount's currency has no exchange rate into the reporting "
                       "currency, so the amount is left out of board sums and the forecast."})
    currency = fields.String(metadata={"description": "The currency concerned (missing_exchange_rate)."})
    detail = fields.String(required=True, metadata={"description": "What it means and what to do about it."})


WARNINGS_HELP = ("What the save could not do with the opportunity although it succeeded; absent when there is "
                 "nothing to say.")


class OpportunitySavedSchema(OpportunitySchema):
    """An opportunity as creating or changing it answers: the opportunity, and
    warnings about the save."""

    warnings = fields.List(fields.Nested(SaveWarningSchema), metadata={"description": WARNINGS_HELP})


OPPORTUNITY_SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "name", "-name", "expected_close_date",
                     "-expected_close_date")
OPPORTUNITY_SORT_HELP = (
    "The order of the list: a field, ascending (A to Z, oldest, soonest first), or with a leading - descending. "
    "-created_at: newest first (the default); created_at: oldest first; -updated_at / updated_at: most / least "
    "recently changed first; name / -name: by name, ignoring letter case; expected_close_date / "
    "-expected_close_date: closing soonest / latest first. The id breaks ties. A cursor continues the sort it "
    "came from (another sort refuses it)."
)


class OpportunityQuerySchema(SortedPageQuerySchema):
    """Filters of the opportunity list (newest first by created_at, id, or as ``sort`` says)."""

    q = text(200, load_default=None, metadata={"description": "Free text over the name."})
    account_id = fields.UUID(load_default=None)
    owner = text(100, load_default=None, metadata={"description": "Only the opportunities of this owner (a "
                                                                  "username)."})
    pipeline_id = slug(load_default=None, allow_none=True)
    stage = filter_values(slug())
    category = filter_values(fields.String(validate=validate.OneOf(CATEGORIES)))
    close_from = fields.Date(load_default=None, metadata={"description": "Expected close on or after this day."})
    close_to = fields.Date(load_default=None, metadata={"description": CLOSE_TO_HELP})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(OPPORTUNITY_SORTS),
                         metadata={"description": OPPORTUNITY_SORT_HELP})

    @validates_schema
    def ordered_dates(self, data, **kwargs):
        _check_date_range(data)


def _check_date_range(data):
    if data.get("close_from") and data.get("close_to") and data["close_from"] > data["close_to"]:
        raise ValidationError("close_to must not be before close_from.", "close_to")


class OpportunityPageSchema(StrictSchema):
    items = fields.List(fields.Nested(OpportunitySchema), required=True)
    next_cursor = fields.String(allow_none=True)


class StageChangeSchema(StrictSchema):
    """One stage an opportunity entered (the first has no from_stage)."""

    from_stage = fields.String(allow_none=True)
    to_stage = fields.String(required=True)
    probability = fields.Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True, places=2)
    currency = fields.String(required=True)
    changed_by = fields.String(allow_none=True)
    changed_at = fields.AwareDateTime(required=True)


class StageHistorySchema(StrictSchema):
    items = fields.List(fields.Nested(StageChangeSchema), required=True, metadata={"description": "Oldest first."})


# The pipeline board ---------------------------------------------------------

# One owner of the board's filter as documented: not blank, and without the
# commas that separate owners (the gateway splits at them, so each documented
# value is one owner and at most 20 values are at most 20 owners).
OWNER_VALUE_PATTERN = NOT_BLANK_PATTERN.replace("\\x00", ",\\x00")


class BoardQuerySchema(StrictSchema):
    owner = filter_values(fields.String(
        validate=[validate.Length(min=1, max=100), validate.Regexp(NOT_BLANK_PATTERN, error="Must not be blank.")],
        metadata={"pattern": OWNER_VALUE_PATTERN}), metadata={
        "description": "Only these owners' opportunities (usernames; repeat, or separate with commas: at most "
                       "20 in all); the counts and sums cover only them."})
    close_from = fields.Date(load_default=None, metadata={"description": "Expected close on or after this day."})
    close_to = fields.Date(load_default=None, metadata={"description": CLOSE_TO_HELP})
    limit_per_stage = WholeNumber(load_default=20, validate=validate.Range(min=0, max=200), metadata={
        "description": "How many opportunities each stage lists (largest amounts first); counts and sums "
                       "cover them all."})

    @validates_schema
    def ordered_dates(self, data, **kwargs):
        _check_date_range(data)

    @pre_load
    def one_owner(self, data, **kwargs):
        """One owner may come as a plain string (RPC callers)."""
        if isinstance(data, dict) and isinstance(data.get("owner"), str):
            data = {**data, "owner": [data["owner"]]}
        return data


class BoardStageSchema(StrictSchema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    probability = fields.Integer(required=True)
    count = fields.Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True, places=2,
                           metadata={"description": "Sum in the reporting currency."})
    weighted_amount = fields.Decimal(required=True, as_string=True, places=2, metadata={
        "description": "Sum of amount x probability / 100 in the reporting currency."})
    items = fields.List(fields.Nested(OpportunitySchema), required=True,
                        metadata={"description": "The largest (in the reporting currency) first."})


class BoardSchema(StrictSchema):
    pipeline = fields.Nested(PipelineSchema, required=True)
    currency = fields.String(required=True, metadata={"description": "The reporting currency of the sums."})
    stages = fields.List(fields.Nested(BoardStageSchema), required=True, metadata={"description": "In position order."})
    missing_rates = fields.List(fields.String(), required=True, metadata={
        "description": "Currencies without an exchange rate: their opportunities are counted and listed but "
                       "left out of the sums."})


# Events -------------------------------------------------------------------

class OpportunityEventSchema(StrictSchema):
    opportunity = fields.Nested(OpportunitySchema, required=True)


class OpportunityUpdatedEventSchema(OpportunityEventSchema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "Names of the changed fields."})


class OpportunityStageChangedEventSchema(OpportunityEventSchema):
    previous_stage = fields.String(required=True)
    previous_category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))


class PipelineEventSchema(StrictSchema):
    pipeline = fields.Nested(PipelineSchema, required=True)


register_event("pipeline.created", PipelineEventSchema, "sales",
               "A pipeline was created, with its stages (probability, category and forecast category of each).")
register_event("pipeline.updated", PipelineEventSchema, "sales",
               "A pipeline's name, stages or default flag changed; the event carries the whole new configuration.")
register_event("opportunity.created", OpportunityEventSchema, "sales",
               "An opportunity was created (by hand or by converting a lead).")
register_event("opportunity.updated", OpportunityUpdatedEventSchema, "sales",
               "An opportunity's fields other than its stage changed.")
register_event("opportunity.stage_changed", OpportunityStageChangedEventSchema, "sales",
               "An opportunity moved to another stage of its pipeline.")
register_event("opportunity.won", OpportunityEventSchema, "sales", "An opportunity moved to a won stage.")
register_event("opportunity.lost", OpportunityEventSchema, "sales",
               "An opportunity moved to a lost stage (see loss_reason).")
