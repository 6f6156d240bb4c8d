"""The forecast over RPC, against figures computed by hand.

Opportunities are written with SQL (``db``), not through the service: this
tests the forecast alone.  Each test works in a year of its own far in the
past (so other tests' opportunities never fall in its periods, and its rates
date is the period's end) with pipelines and currencies of its own (so other
tests' exchange rates never apply)."""

import itertools
import random
import string
import uuid
from datetime import date, timedelta

import pytest

from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.sales.forecast import ForecastSchema
from tests.sales.conftest import unique

_years = iter(random.sample(range(1901, 2000), 99))
_currencies = (f"Q{a}{b}" for a, b in itertools.product(string.ascii_uppercase, repeat=2) if a + b != "AR")

ZERO = {"count": 0, "pipeline": "0.00", "weighted": "0.00", "best_case": "0.00", "commit": "0.00",
        "closed_won": "0.00"}
STAGES = [
    # key, probability, category, forecast_category
    ("early", 10, "open", "pipeline"),
    ("likely", 50, "open", "best_case"),
    ("sure", 80, "open", "commit"),
    ("won", 100, "won", "closed"),
    ("lost", 0, "lost", "omitted"),
]


def currency():
    """A currency code no other test uses (Qxx: not a real ISO 4217 code)."""
    return next(_currencies)


class Book:
    """A year, pipelines, an account and opportunities of one test, written with SQL."""

    def __init__(self, db, reporting):
        self.db = db
        self.reporting = reporting
        self.year = next(_years)
        self.account_id = str(uuid.uuid4())
        name = f"Forecast Account {unique()}"
        db.one("INSERT INTO accounts (id, name, name_norm) VALUES (%s, %s, %s) RETURNING id",
               (self.account_id, name, name.lower()))

    def day(self, month, day_of_month):
        return date(self.year, month, day_of_month)

    def pipeline(self):
        pipeline_id = f"fc-{unique()}"
        self.db.one("INSERT INTO pipelines (id, name) VALUES (%s, %s) RETURNING id", (pipeline_id, pipeline_id))
        for position, (key, probability, category, forecast_category) in enumerate(STAGES, 1):
            self.db.one(
                "INSERT INTO pipeline_stages (pipeline_id, key, name, position, probability, category,"
                " forecast_category) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING key",
                (pipeline_id, key, key.title(), position, probability, category, forecast_category),
            )
        return pipeline_id

    def rate(self, code, rate, valid_from):
        self.db.one("INSERT INTO exchange_rates (currency, valid_from, rate) VALUES (%s, %s, %s) RETURNING rate",
                    (code, valid_from, rate))

    def opportunity(self, pipeline_id, stage, amount, currency, close, owner=None, closed_on=None,
                    probability=None, forecast_category=None):
        key, default_probability, category, _ = next(item for item in STAGES if item[0] == stage)
        return self.db.one(
            "INSERT INTO opportunities (id, account_id, name, amount, currency, pipeline_id, stage, category,"
            " probability, probability_overridden, forecast_category, expected_close_date, closed_on, owner)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (str(uuid.uuid4()), self.account_id, f"Deal {unique()}", amount, currency, pipeline_id, key, category,
             default_probability if probability is None else probability, probability is not None,
             forecast_category, close, closed_on, owner),
        )["id"]


@pytest.fixture
def book(db, sales_config):
    return Book(db, sales_config["REPORTING_CURRENCY"])


@pytest.fixture
def scene(book):
    """Twelve opportunities of two pipelines, two owners and none, three
    currencies with a rate and one without; the figures of Q2 are worked
    out in the tests."""
    usd, gbp, nor = currency(), currency(), currency()  # nor: no rate at all
    book.rate(usd, "0.5", book.day(1, 1))
    book.rate(usd, "0.8", book.day(7, 1))      # after Q2: not used for Q2
    book.rate(gbp, "1.25", book.day(1, 1))
    a, b = book.pipeline(), book.pipeline()
    alice, bob = f"alice-{unique()}", f"bob-{unique()}"
    eur, day = book.reporting, book.day
    # 1-3: open in Q2 (pipeline a): 1000 EUR p10; 200 USD = 100 p50 best_case; 400 GBP = 500 p80 commit (last day)
    book.opportunity(a, "early", "1000.00", eur, day(4, 15), alice)
    book.opportunity(a, "likely", "200.00", usd, day(5, 31), alice)
    book.opportunity(a, "sure", "400.00", gbp, day(6, 30), bob)
    # 4: its own forecast category (commit) and probability (33) win over the stage's; first day of Q2
    book.opportunity(b, "early", "300.00", eur, day(4, 1), bob, probability=33, forecast_category="commit")
    # 5: omitted by its own category: left out of everything
    book.opportunity(b, "sure", "50.00", eur, day(5, 2), alice, forecast_category="omitted")
    # 6-7: won in Q2 (closed_on counts, not the expected date); 1000 USD = 500
    book.opportunity(a, "won", "700.00", eur, day(8, 1), alice, closed_on=day(5, 10))
    book.opportunity(b, "won", "1000.00", usd, day(3, 1), None, closed_on=day(6, 1))
    # 8: won before Q2 though expected in it; 9: lost in Q2; 11: open after Q2
    book.opportunity(a, "won", "999.00", eur, day(4, 10), bob, closed_on=day(3, 31))
    book.opportunity(a, "lost", "5000.00", eur, day(5, 5), bob, closed_on=day(5, 5))
    book.opportunity(a, "early", "10000.00", eur, day(7, 1), alice)
    # 10: a currency without a rate
    book.opportunity(a, "early", "123.45", nor, day(5, 5), alice)
    # 12: 0.30 GBP = 0.375, p50 = 0.1875 weighted: the half cents round once, at the end
    book.opportunity(b, "likely", "0.30", gbp, day(6, 15), bob)
    return {"a": a, "b": b, "alice": alice, "bob": bob, "nor": nor, "year": book.year}


def test_the_figures_of_a_quarter(sales, scene, book):
    result = sales.forecast({"period": f"{scene['year']}-Q2"})
    assert result["period"] == f"{scene['year']}-Q2"
    assert (result["start"], result["end"]) == (f"{scene['year']}-04-01", f"{scene['year']}-06-30")
    assert result["rates_date"] == f"{scene['year']}-06-30"
    assert result["currency"] == book.reporting
    # open: 1000 + 100 + 500 + 300 + 0.375; weighted 100 + 50 + 400 + 99 + 0.1875;
    # closed won 700 + 500; commit = 1200 + 500 + 300; best case = commit + 100 + 0.375
    assert result["totals"] == {"count": 7, "pipeline": "1900.38", "weighted": "649.19", "best_case": "2100.38",
                                "commit": "2000.00", "closed_won": "1200.00"}
    assert result["by_owner"] == [
        {"owner": scene["alice"], "count": 3, "pipeline": "1100.00", "weighted": "150.00", "best_case": "800.00",
         "commit": "700.00", "closed_won": "700.00"},
        {"owner": scene["bob"], "count": 3, "pipeline": "800.38", "weighted": "499.19", "best_case": "800.38",
         "commit": "800.00", "closed_won": "0.00"},
        {"owner": None, "count": 1, "pipeline": "0.00", "weighted": "0.00", "best_case": "500.00",
         "commit": "500.00", "closed_won": "500.00"},
    ]
    assert sorted(result["by_pipeline"], key=lambda item: item["pipeline_id"] != scene["a"]) == [
        {"pipeline_id": scene["a"], "count": 4, "pipeline": "1600.00", "weighted": "550.00",
         "best_case": "1300.00", "commit": "1200.00", "closed_won": "700.00"},
        {"pipeline_id": scene["b"], "count": 3, "pipeline": "300.38", "weighted": "99.19", "best_case": "800.38",
         "commit": "800.00", "closed_won": "500.00"},
    ]
    assert result["missing_rates"] == [scene["nor"]]
    assert ForecastSchema().validate(result) == {}   # the contract the gateway documents


def test_one_owner(sales, scene):
    result = sales.forecast({"period": f"{scene['year']}-q2", "owner": scene["bob"]})
    assert result["period"] == f"{scene['year']}-Q2"
    bob = {"count": 3, "pipeline": "800.38", "weighted": "499.19", "best_case": "800.38", "commit": "800.00",
           "closed_won": "0.00"}
    assert result["totals"] == bob
    assert result["by_owner"] == [{"owner": scene["bob"], **bob}]
    assert sorted(result["by_pipeline"], key=lambda item: item["pipeline_id"] != scene["a"]) == [
        {"pipeline_id": scene["a"], "count": 1, "pipeline": "500.00", "weighted": "400.00", "best_case": "500.00",
         "commit": "500.00", "closed_won": "0.00"},
        {"pipeline_id": scene["b"], "count": 2, "pipeline": "300.38", "weighted": "99.19", "best_case": "300.38",
         "commit": "300.00", "closed_won": "0.00"},
    ]
    assert result["missing_rates"] == []  # the opportunity without a rate is alice's


def test_one_pipeline(sales, scene):
    result = sales.forecast({"period": f"{scene['year']}-Q2", "pipeline_id": scene["b"]})
    assert result["totals"] == {"count": 3, "pipeline": "300.38", "weighted": "99.19", "best_case": "800.38",
                                "commit": "800.00", "closed_won": "500.00"}
    assert result["by_pipeline"] == [{"pipeline_id": scene["b"], **result["totals"]}]
    # alice's only opportunity in b is omitted
    assert result["by_owner"] == [
        {"owner": scene["bob"], "count": 2, "pipeline": "300.38", "weighted": "99.19", "best_case": "300.38",
         "commit": "300.00", "closed_won": "0.00"},
        {"owner": None, "count": 1, "pipeline": "0.00", "weighted": "0.00", "best_case": "500.00",
         "commit": "500.00", "closed_won": "500.00"},
    ]
    assert result["missing_rates"] == []


def test_one_owner_in_one_pipeline(sales, scene):
    result = sales.forecast({"period": f"{scene['year']}-Q2", "pipeline_id": scene["a"], "owner": scene["alice"]})
    assert result["totals"] == {"count": 3, "pipeline": "1100.00", "weighted": "150.00", "best_case": "800.00",
                                "commit": "700.00", "closed_won": "700.00"}
    assert result["missing_rates"] == [scene["nor"]]


def test_a_month(sales, scene):
    result = sales.forecast({"period": f"{scene['year']}-05"})
    assert (result["start"], result["end"]) == (f"{scene['year']}-05-01", f"{scene['year']}-05-31")
    # open: 200 USD = 100 (p50, best case); won: 700; the lost one and the one without a rate: out
    assert result["totals"] == {"count": 2, "pipeline": "100.00", "weighted": "50.00", "best_case": "800.00",
                                "commit": "700.00", "closed_won": "700.00"}
    assert result["missing_rates"] == [scene["nor"]]


def test_an_owner_with_nothing_in_the_period(sales, scene):
    result = sales.forecast({"period": f"{scene['year']}-Q2", "owner": f"nobody-{unique()}"})
    assert result["totals"] == ZERO
    assert result["by_owner"] == result["by_pipeline"] == result["missing_rates"] == []


def test_an_empty_period(sales, book):
    result = sales.forecast({"period": f"{book.year}-Q3"})
    assert result["totals"] == ZERO
    assert result["by_owner"] == result["by_pipeline"] == result["missing_rates"] == []
    assert result["rates_date"] == f"{book.year}-09-30"


def test_the_rate_in_force_at_the_period_end(sales, book):
    code, late = currency(), currency()
    book.rate(code, "0.5", book.day(1, 1))
    book.rate(code, "2", book.day(6, 30))      # in force from Q2's last day
    book.rate(code, "4", book.day(7, 1))       # after Q2
    book.rate(late, "3", book.day(12, 1))      # late's first rate starts after Q2: used for Q2 anyway
    book.rate(late, "5", book.day(12, 2))
    pipeline = book.pipeline()
    book.opportunity(pipeline, "early", "10.00", code, book.day(4, 1))
    book.opportunity(pipeline, "early", "1.00", late, book.day(4, 2))
    book.opportunity(pipeline, "won", "100.00", code, book.day(6, 1), closed_on=book.day(5, 1))
    q2 = sales.forecast({"period": f"{book.year}-Q2"})["totals"]
    assert q2 == {"count": 3, "pipeline": "23.00", "weighted": "2.30", "best_case": "200.00", "commit": "200.00",
                  "closed_won": "200.00"}
    april = sales.forecast({"period": f"{book.year}-04"})   # rates of April 30: code at 0.5
    assert april["totals"]["pipeline"] == "8.00"
    assert april["rates_date"] == f"{book.year}-04-30"


def test_a_future_period_uses_todays_rates(sales, book, db):
    code = currency()
    today = db.scalar("SELECT (now() AT TIME ZONE 'UTC')::date")
    book.rate(code, "0.5", today - timedelta(days=1))
    book.rate(code, "4", today + timedelta(days=1))
    pipeline = book.pipeline()
    year = 2900 + book.year % 100   # a future year of this test's own
    book.opportunity(pipeline, "early", "10.00", code, date(year, 2, 1))
    result = sales.forecast({"period": f"{year}-02", "pipeline_id": pipeline})
    assert result["rates_date"] == today.isoformat()
    assert result["totals"]["pipeline"] == "5.00"


def test_the_reporting_currency_has_rate_1_whatever_is_stored(sales, book):
    book.rate(book.reporting, "3", book.day(1, 1))   # cannot come through the RPC; ignored if it is there
    pipeline = book.pipeline()
    book.opportunity(pipeline, "early", "10.00", book.reporting, book.day(2, 1))
    assert sales.forecast({"period": f"{book.year}-02"})["totals"]["pipeline"] == "10.00"


def test_a_won_opportunity_counts_whatever_its_own_forecast_category(sales, book):
    pipeline = book.pipeline()
    book.opportunity(pipeline, "won", "10.00", book.reporting, book.day(2, 1), closed_on=book.day(2, 2),
                     forecast_category="omitted")
    book.opportunity(pipeline, "lost", "20.00", book.reporting, book.day(2, 1), closed_on=book.day(2, 3),
                     forecast_category="commit")
    book.opportunity(pipeline, "sure", "40.00", book.reporting, book.day(2, 4), forecast_category="best_case")
    assert sales.forecast({"period": f"{book.year}-02"})["totals"] == {
        "count": 2, "pipeline": "40.00", "weighted": "32.00", "best_case": "50.00", "commit": "10.00",
        "closed_won": "10.00"}


# Bad input --------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    ({}, "period"),
    ({"period": None}, "period"),
    ({"period": ""}, "period"),
    ({"period": "2026-13"}, "period"),
    ({"period": "2026-Q5"}, "period"),
    ({"period": "2026-11-01"}, "period"),
    ({"period": "Q4"}, "period"),
    ({"period": 202611}, "period"),
    ({"period": ["2026-11"]}, "period"),
    ({"period": "2026-11", "owner": "x" * 101}, "owner"),
    ({"period": "2026-11", "owner": 7}, "owner"),
    ({"period": "2026-11", "pipeline_id": "No Such/Id"}, "pipeline_id"),
    ({"period": "2026-11", "currency": "USD"}, "currency"),
    ({"period": "2026-11", "limit": 5}, "limit"),
])
def test_bad_queries_are_a_422_on_their_field(sales, query, field):
    with pytest.raises(ValidationFailed) as raised:
        sales.forecast(query)
    assert field in raised.value.errors, raised.value.errors
    assert raised.value.errors[field]


@pytest.mark.parametrize("query", [None, "2026-11", ["2026-11"], 5])
def test_a_query_that_is_not_an_object_is_a_422(sales, query):
    with pytest.raises(ValidationFailed) as raised:
        sales.forecast(query)
    assert raised.value.errors == ({"period": ["Missing data for required field."]} if query is None
                                   else {"_schema": ["Expected a JSON object."]})


def test_an_unknown_pipeline_is_a_404(sales):
    with pytest.raises(NotFound) as raised:
        sales.forecast({"period": "2026-11", "pipeline_id": f"nope-{unique()}"})
    assert "list_pipelines" in raised.value.detail
