"""Pure pricing rules of the catalog: volume tiers and the checks of a price
or tax period.  No database, no broker."""

from decimal import Decimal

from services.orders import money

# The category whose rate is 0 in every country without any rate row.
ZERO_CATEGORY = "zero"
# The category of a free line (no product) that names none.
DEFAULT_CATEGORY = "standard"


def tier_price(base_price, tiers, quantity):
    """The unit price for ``quantity``: the tier with the highest
    ``min_quantity`` not above it, else the base price.  ``tiers`` are dicts
    with ``min_quantity`` and ``unit_price`` (strings or Decimals)."""
    price = base_price
    best = None
    for tier in tiers or ():
        minimum = Decimal(str(tier["min_quantity"]))
        if minimum <= quantity and (best is None or minimum > best):
            best, price = minimum, Decimal(str(tier["unit_price"]))
    return price


def normal_tiers(tiers):
    """Tiers sorted by min_quantity as stored (strings); ``ValueError`` with a
    message saying what to fix when two share a min_quantity."""
    ordered = sorted(tiers or (), key=lambda tier: tier["min_quantity"])
    seen = set()
    for tier in ordered:
        if tier["min_quantity"] in seen:
            raise ValueError(f"Two tiers start at quantity {money.decimal_text(tier['min_quantity'])}; "
                             "keep one of them.")
        seen.add(tier["min_quantity"])
    return [{"min_quantity": money.decimal_text(tier["min_quantity"]),
             "unit_price": format(tier["unit_price"], "f")} for tier in ordered]


def overlaps(start, end, other_start, other_end):
    """Whether two inclusive date periods share a day (None: open end)."""
    return (end is None or other_start <= end) and (other_end is None or start <= other_end)
