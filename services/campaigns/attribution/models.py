"""The five attribution models: how one revenue item's amount is shared out
among the campaign touches that preceded it.  Pure rules, no database.

A touch is ``Touch(campaign_id, at)``; ``credit(model, touches, amount,
currency, revenue_at, half_life_days)`` returns ``{campaign_id: Decimal}``.

- first_touch: everything to the earliest touch; last_touch: to the latest.
- linear: every touch the same share.
- u_shaped: 40 % to the first, 40 % to the last, the middle 20 % split evenly
  among the touches between them; one touch takes 100 %, two take 50 / 50.
- time_decay: a touch's weight halves every ``half_life_days`` before the
  revenue (``2 ** (-age / half_life)``), shares proportional to the weights.

Each model distributes exactly 100 % of the amount: the shares are exact
fractions, each campaign's sum is rounded down to the currency's minor unit
(ISO 4217: JPY 0 decimals, EUR 2, KWD 3) and the cents left over go one each
to the campaigns with the largest remainders (ties: the campaign touched
first, then the lower id), so the credited amounts add up to the amount to
the last minor unit, deterministically.
"""

from collections import namedtuple
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import iso4217

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "time_decay")
Touch = namedtuple("Touch", "campaign_id at")

U_END = Fraction(2, 5)
U_MIDDLE = Fraction(1, 5)
SECONDS_PER_DAY = 86400


def minor_unit(currency):
    """Decimals of an ISO 4217 currency (EUR 2, JPY 0, KWD 3); 2 for a code
    ISO 4217 does not know or that has no minor unit."""
    try:
        exponent = iso4217.Currency(str(currency).upper()).exponent
    except ValueError:
        return 2
    return 2 if exponent is None else exponent


def ordered(touches):
    """Touches oldest first; equal times in campaign id order (a stable order
    whatever order the database returned them in)."""
    return sorted(touches, key=lambda touch: (touch.at, str(touch.campaign_id)))


def weights(model, touches, revenue_at=None, half_life_days=7):
    """One exact share (a Fraction) per touch of ``ordered(touches)``; they add up to 1."""
    count = len(touches)
    if count == 0:
        return []
    if model == "first_touch":
        return [Fraction(1)] + [Fraction(0)] * (count - 1)
    if model == "last_touch":
        return [Fraction(0)] * (count - 1) + [Fraction(1)]
    if model == "linear":
        return [Fraction(1, count)] * count
    if model == "u_shaped":
        if count == 1:
            return [Fraction(1)]
        if count == 2:
            return [Fraction(1, 2)] * 2
        middle = U_MIDDLE / (count - 2)
        return [U_END] + [middle] * (count - 2) + [U_END]
    if model == "time_decay":
        if half_life_days <= 0:
            raise ValueError("the half-life must be positive")
        raw = []
        for touch in touches:
            age_days = max((revenue_at - touch.at).total_seconds(), 0) / SECONDS_PER_DAY
            raw.append(Fraction(2.0 ** (-age_days / half_life_days)))
        total = sum(raw)
        if total == 0:  # every touch too old for a float: they weigh the same
            return [Fraction(1, count)] * count
        return [weight / total for weight in raw]
    raise ValueError(f"unknown attribution model {model!r}")


def split(amount, currency, shares):
    """``shares`` (``[(key, Fraction)]`` adding up to 1, in tie-break order)
    applied to ``amount`` in whole minor units: ``{key: Decimal}`` adding up
    to the amount (rounded half-even to the currency's minor unit first)."""
    places = minor_unit(currency)
    quantum = Decimal(1).scaleb(-places)
    units = int(Decimal(amount).quantize(quantum, rounding=ROUND_HALF_EVEN).scaleb(places))
    floors, remainders = {}, []
    for position, (key, share) in enumerate(shares):
        exact = share * units
        floors[key] = exact.numerator // exact.denominator
        remainders.append((exact - floors[key], -position, key))
    # Rounding every share down leaves fewer minor units than there are shares (none when they are whole).
    left = units - sum(floors.values())
    for _remainder, _position, key in sorted(remainders, reverse=True)[:left]:
        floors[key] += 1
    return {key: Decimal(value).scaleb(-places).quantize(quantum) for key, value in floors.items()}


def credit(model, touches, amount, currency, revenue_at=None, half_life_days=7):
    """``{campaign_id: Decimal}``: the amount shared out among the campaigns
    of ``touches`` under ``model``; empty without touches."""
    touches = ordered(touches)
    if not touches:
        return {}
    per_campaign = {}
    for touch, weight in zip(touches, weights(model, touches, revenue_at, half_life_days), strict=True):
        per_campaign[touch.campaign_id] = per_campaign.get(touch.campaign_id, Fraction(0)) + weight
    return split(amount, currency, list(per_campaign.items()))


def credit_all(touches, amount, currency, revenue_at=None, half_life_days=7):
    """``{model: {campaign_id: Decimal}}`` for every model."""
    return {model: credit(model, touches, amount, currency, revenue_at, half_life_days) for model in MODELS}
