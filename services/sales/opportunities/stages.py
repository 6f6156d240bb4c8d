"""The stages of a pipeline and the legal moves between them: plain functions
over a pipeline's stage list (dicts with ``key``, ``name``, ``position``,
``probability``, ``category``, ``forecast_category``, ``next_stages``).

The default moves::

    open stage  -> any other stage of the pipeline (open, won or lost)
    won / lost  -> an open stage only (reopen)

A stage whose ``next_stages`` list is set allows exactly those moves instead.
Staying in the same stage is not a move: the caller changes nothing.

What a move does to the opportunity (``stage_change``): ``category`` becomes
the new stage's; ``probability`` follows the new stage unless it was set by
hand (``probability_overridden``), and a won or lost stage always sets its
own (a closed deal is certain: 100 or 0); ``closed_on`` is set to the day when it
becomes won or lost and cleared when it is reopened; leaving a lost stage
clears the ``loss_reason``.  A move to a lost stage needs a loss reason.
"""

from shared.schemas.errors import IllegalStageMove, ValidationFailed

__all__ = [
    "allowed_targets",
    "check_closed_probability",
    "check_loss_reason",
    "check_move",
    "event_types",
    "first_open_stage",
    "initial_values",
    "is_allowed",
    "stage_change",
    "stage_named",
]

CLOSED = ("won", "lost")


def _by_key(stages):
    return {stage["key"]: stage for stage in stages}


def _ordered(stages):
    return sorted(stages, key=lambda stage: stage["position"])


def stage_named(stages, key, pipeline_id="the pipeline", field="stage"):
    """The stage with this key; ``ValidationFailed`` naming the valid keys otherwise."""
    stage = _by_key(stages).get(key)
    if stage is None:
        keys = ", ".join(stage["key"] for stage in _ordered(stages))
        raise ValidationFailed(f"{key!r} is not a stage of pipeline {pipeline_id}; use one of: {keys}.",
                               {field: [f"Not a stage of pipeline {pipeline_id}; use one of: {keys}."]})
    return stage


def first_open_stage(stages):
    """The open stage with the lowest position (where new opportunities start)."""
    return next(stage for stage in _ordered(stages) if stage["category"] == "open")


def allowed_targets(stages, current):
    """Keys of the stages an opportunity in stage ``current`` may move to, in position order."""
    by_key = _by_key(stages)
    here = by_key[current]
    if here.get("next_stages") is not None:
        return [stage["key"] for stage in _ordered(stages)
                if stage["key"] in here["next_stages"] and stage["key"] != current]
    if here["category"] == "open":
        return [stage["key"] for stage in _ordered(stages) if stage["key"] != current]
    return [stage["key"] for stage in _ordered(stages) if stage["category"] == "open"]


def is_allowed(stages, current, target):
    return target in allowed_targets(stages, current)


def _allowed_phrase(stages, current):
    allowed = allowed_targets(stages, current)
    if not allowed:
        return f"no move is allowed from {current}"
    return f"from {current} it can move to: {', '.join(allowed)}"


def check_move(stages, current, target, pipeline_id="the pipeline"):
    """The target stage when ``current -> target`` is a legal move.

    An unknown ``target`` raises ``ValidationFailed`` (422); staying or a
    move the pipeline does not allow raises ``IllegalStageMove`` (409) whose
    ``errors['stage']`` says which moves are allowed, with ``current``,
    ``target`` and ``allowed`` (the legal next stages) as extra members.
    """
    target_stage = stage_named(stages, target, pipeline_id)
    if current == target:
        message = f"The opportunity is already in stage {current}; {_allowed_phrase(stages, current)}."
    elif not is_allowed(stages, current, target):
        message = f"Cannot move the opportunity from {current} to {target}; {_allowed_phrase(stages, current)}."
    else:
        return target_stage
    raise IllegalStageMove(message, errors={"stage": [message]}, current=current, target=target,
                            allowed=allowed_targets(stages, current), pipeline_id=pipeline_id)


def check_loss_reason(stage, loss_reason):
    """A lost stage needs a reason (``ValidationFailed`` on ``loss_reason``)."""
    if stage["category"] == "lost" and not (loss_reason or "").strip():
        raise ValidationFailed(
            f"Say why the opportunity was lost: moving to {stage['key']} needs a loss_reason.",
            {"loss_reason": ["Required when moving to a lost stage."]},
        )


def check_closed_probability(stage, probability):
    """A won or lost opportunity's probability is its stage's (``ValidationFailed`` otherwise)."""
    if probability is not None and probability != stage["probability"]:
        message = (f"A {stage['category']} opportunity's probability is its stage's ({stage['probability']});"
                   " leave probability out.")
        raise ValidationFailed(message, {"probability": [message]})


def initial_values(stage, today, probability=None):
    """Stage-derived values of a new opportunity starting in ``stage``;
    a given ``probability`` overrides an open stage's."""
    overridden = probability is not None and stage["category"] not in CLOSED
    return {
        "stage": stage["key"],
        "category": stage["category"],
        "probability": probability if overridden else stage["probability"],
        "probability_overridden": overridden,
        "closed_on": today if stage["category"] in CLOSED else None,
    }


def stage_change(opportunity, source, target, today):
    """The values a move from stage ``source`` to stage ``target`` writes on
    ``opportunity`` (a row with ``probability``, ``probability_overridden``,
    ``closed_on``, ``loss_reason``)."""
    values = {"stage": target["key"], "category": target["category"]}
    if target["category"] in CLOSED:
        values.update(probability=target["probability"], probability_overridden=False)
    elif not opportunity["probability_overridden"]:
        values["probability"] = target["probability"]
    if target["category"] in CLOSED:
        if source["category"] != target["category"] or opportunity["closed_on"] is None:
            values["closed_on"] = today
    else:
        values["closed_on"] = None
    if source["category"] == "lost" and target["category"] != "lost":
        values["loss_reason"] = None
    return values


def event_types(previous_category, target_category):
    """The events a stage change publishes: ``opportunity.stage_changed``,
    plus ``opportunity.won`` / ``opportunity.lost`` when it becomes won or
    lost (not when it moves between two won or two lost stages)."""
    types = ["opportunity.stage_changed"]
    if target_category in CLOSED and target_category != previous_category:
        types.append(f"opportunity.{target_category}")
    return types
