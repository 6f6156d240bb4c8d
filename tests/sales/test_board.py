"""The pipeline board: stages in order with counts, amounts and weighted
amounts in the reporting currency (checked against sums computed here), the
largest opportunities per stage, filters, currencies without a rate, and bad
queries."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.sales.opportunities import BoardSchema
from tests.sales.conftest import unique
from tests.sales.opportunity_helpers import new_account, opportunity_data, pipeline_data

# Test-only ISO 4217 codes, so the rates here touch no other test's figures.
RATED, UNRATED = "XTS", "XBD"
RATE = Decimal("1.5")


@pytest.fixture(scope="module")
def rates(db):
    db.one("INSERT INTO exchange_rates (currency, valid_from, rate) VALUES"
           " (%s, current_date - 400, 9), (%s, current_date - 10, %s), (%s, current_date + 30, 7)"
           " ON CONFLICT (currency, valid_from) DO UPDATE SET rate = excluded.rate RETURNING currency",
           (RATED, RATED, RATE, RATED))
    return {"EUR": Decimal(1), RATED: RATE}


# (stage, amount, currency, probability override, owner, expected close)
DEALS = [
    ("lead", "1000.00", "EUR", None, "ana", "2026-01-15"),
    ("lead", "200.00", RATED, None, "bo", "2026-02-15"),
    ("lead", "50.00", UNRATED, None, "ana", "2026-03-15"),
    ("lead", "10.05", "EUR", None, "ana", "2026-03-20"),
    ("demo", "333.33", "EUR", 33, "bo", "2026-04-15"),
    ("demo", "100.01", RATED, None, "ana", "2026-05-15"),
    ("won", "5000.00", "EUR", None, "bo", "2026-06-15"),
]


@pytest.fixture(scope="module")
def board_pipeline(service, rpc_proxy, db, rates):
    account_id = new_account(db)
    owners = {"ana": unique("ana"), "bo": unique("bo")}
    with rpc_proxy() as cluster:
        pipeline = cluster.sales.create_pipeline(pipeline_data())
        made = [cluster.sales.create_opportunity(opportunity_data(
            account_id, pipeline_id=pipeline["id"], stage=stage, amount=amount, currency=currency,
            probability=probability, owner=owners[owner], expected_close_date=close))
            for stage, amount, currency, probability, owner, close in DEALS]
    return {"pipeline": pipeline, "made": made, "owners": owners}


def cents(value):
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def expected_stage(made, rates, key):
    mine = [item for item in made if item["stage"] == key]
    converted = [(Decimal(item["amount"]) * rates[item["currency"]], item["probability"])
                 for item in mine if item["currency"] in rates]
    return {"count": len(mine), "amount": cents(sum((amount for amount, _ in converted), Decimal(0))),
            "weighted_amount": cents(sum((amount * probability / 100 for amount, probability in converted),
                                         Decimal(0)))}


def test_figures_per_stage_match_sums_computed_by_hand(sales, board_pipeline, rates):
    board = sales.pipeline_board(board_pipeline["pipeline"]["id"], {})
    BoardSchema().load(board)
    assert board["pipeline"] == board_pipeline["pipeline"]
    assert board["currency"] == "EUR"
    assert board["missing_rates"] == [UNRATED]
    assert [(column["key"], column["name"], column["category"], column["probability"])
            for column in board["stages"]] == [
        ("lead", "Lead", "open", 10), ("demo", "Demo", "open", 50), ("won", "Won", "won", 100),
        ("lost", "Lost", "lost", 0)]
    for column in board["stages"]:
        figures = {key: column[key] for key in ("count", "amount", "weighted_amount")}
        assert figures == expected_stage(board_pipeline["made"], rates, column["key"]), column["key"]
    # Spelled out: lead = 1000 + 200 x 1.5 + 10.05 (the unrated 50 left out); weighted at 10 %.
    lead, demo, won, lost = board["stages"]
    assert (lead["count"], lead["amount"], lead["weighted_amount"]) == (4, "1310.05", "131.01")
    # demo = 333.33 at 33 % + 100.01 x 1.5 = 150.015 at 50 %: 109.9989 + 75.0075 = 185.0064
    assert (demo["count"], demo["amount"], demo["weighted_amount"]) == (2, "483.35", "185.01")
    assert (won["count"], won["amount"], won["weighted_amount"]) == (1, "5000.00", "5000.00")
    assert (lost["count"], lost["amount"], lost["weighted_amount"], lost["items"]) == (0, "0.00", "0.00", [])


def test_items_are_the_largest_in_the_reporting_currency(sales, board_pipeline):
    board = sales.pipeline_board(board_pipeline["pipeline"]["id"], {"limit_per_stage": 2})
    by_id = {item["id"]: item for item in board_pipeline["made"]}
    lead = board["stages"][0]
    assert [(item["amount"], item["currency"]) for item in lead["items"]] == [("1000.00", "EUR"), ("200.00", RATED)]
    assert all(item == by_id[item["id"]] for column in board["stages"] for item in column["items"])
    full = sales.pipeline_board(board_pipeline["pipeline"]["id"], {"limit_per_stage": 10})["stages"][0]["items"]
    # 1000 > 300 (200 XTS) > 10.05 > the one without a rate
    assert [(item["amount"], item["currency"]) for item in full] == [
        ("1000.00", "EUR"), ("200.00", RATED), ("10.05", "EUR"), ("50.00", UNRATED)]
    counts_only = sales.pipeline_board(board_pipeline["pipeline"]["id"], {"limit_per_stage": 0})
    assert [column["items"] for column in counts_only["stages"]] == [[], [], [], []]
    assert [column["count"] for column in counts_only["stages"]] == [4, 2, 1, 0]


def test_owner_and_close_date_filters(sales, board_pipeline, rates):
    pipeline_id, owners, made = board_pipeline["pipeline"]["id"], board_pipeline["owners"], board_pipeline["made"]
    board = sales.pipeline_board(pipeline_id, {"owner": owners["ana"]})
    mine = [item for item in made if item["owner"] == owners["ana"]]
    for column in board["stages"]:
        assert {key: column[key] for key in ("count", "amount", "weighted_amount")} == \
            expected_stage(mine, rates, column["key"])
    assert board["missing_rates"] == [UNRATED]

    board = sales.pipeline_board(pipeline_id, {"close_from": "2026-02-01", "close_to": "2026-05-15"})
    assert [column["count"] for column in board["stages"]] == [3, 2, 0, 0]
    board = sales.pipeline_board(pipeline_id, {"close_from": "2026-04-01"})
    assert [column["count"] for column in board["stages"]] == [0, 2, 1, 0]
    assert board["missing_rates"] == []


def test_several_owners_and_only_their_cards_count(sales, board_pipeline, rates):
    pipeline_id, owners, made = board_pipeline["pipeline"]["id"], board_pipeline["owners"], board_pipeline["made"]

    def figures(board):
        return [{key: column[key] for key in ("count", "amount", "weighted_amount")} for column in board["stages"]]

    both = sales.pipeline_board(pipeline_id, {"owner": [owners["ana"], owners["bo"]]})
    assert figures(both) == figures(sales.pipeline_board(pipeline_id, {}))
    bo_and_nobody = sales.pipeline_board(pipeline_id, {"owner": [owners["bo"], unique("nobody")]})
    bos = [item for item in made if item["owner"] == owners["bo"]]
    assert figures(bo_and_nobody) == [expected_stage(bos, rates, column["key"]) for column in both["stages"]]
    assert {item["owner"] for column in bo_and_nobody["stages"] for item in column["items"]} == {owners["bo"]}
    assert bo_and_nobody["missing_rates"] == []
    nobody = sales.pipeline_board(pipeline_id, {"owner": [unique("nobody")]})
    assert [column["count"] for column in nobody["stages"]] == [0, 0, 0, 0]


def test_the_default_pipeline_has_a_board(sales):
    board = sales.pipeline_board("default")
    BoardSchema().load(board)
    assert [column["key"] for column in board["stages"]][0] == "prospecting"


def test_an_unknown_pipeline_has_no_board(sales):
    with pytest.raises(NotFound):
        sales.pipeline_board("no-such-pipeline", {})


@pytest.mark.parametrize(("query", "field"), [
    ({"limit_per_stage": -1}, "limit_per_stage"),
    ({"limit_per_stage": 201}, "limit_per_stage"),
    ({"limit_per_stage": "all"}, "limit_per_stage"),
    ({"close_to": "soon"}, "close_to"),
    ({"owner": ["ana", ""]}, "owner"),
    ({"owner": ["x" * 101]}, "owner"),
    ({"owner": 5}, "owner"),
    ({"close_from": "2026-05-01", "close_to": "2026-04-01"}, "close_to"),
    ({"owner": "x" * 101}, "owner"),
    ({"stage": "lead"}, "stage"),
])
def test_bad_board_queries_are_refused(sales, board_pipeline, query, field):
    with pytest.raises(ValidationFailed) as caught:
        sales.pipeline_board(board_pipeline["pipeline"]["id"], query)
    assert field in caught.value.errors


def test_a_board_query_must_be_an_object(sales):
    with pytest.raises(ValidationFailed):
        sales.pipeline_board("default", "owner=me")
