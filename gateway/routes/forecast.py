"""The sales forecast of a month or quarter, and the exchange rates its
amounts are converted with."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, listing
from shared.schemas.sales.forecast import (
    ExchangeRatesSchema,
    ExchangeRatesUpdateSchema,
    ForecastQuerySchema,
    ForecastSchema,
)

bp = Blueprint("forecast", __name__, url_prefix="/api/v1")
TAGS = ["forecast"]


@bp.get("/forecast")
@requires("sales:read")
@operation("The forecast of a month or quarter, by owner and by pipeline", tags=TAGS, query=ForecastQuerySchema,
           response=ForecastSchema, problems=(404,),
           description="`period` is a month (`2026-11`) or a quarter (`2026-Q4`). Amounts are in the reporting "
                       "currency; currencies without an exchange rate are listed in `missing_rates`. 404 when "
                       "`pipeline_id` names no pipeline.")
def forecast(query):
    return listing("sales", "forecast", query)


@bp.get("/exchange-rates")
@requires("sales:read")
@operation("The exchange rates into the reporting currency", tags=TAGS, response=ExchangeRatesSchema)
def get_exchange_rates():
    return call("sales", "get_exchange_rates")


@bp.put("/exchange-rates")
@requires("sales:admin")
@operation("Add or replace exchange rates", tags=TAGS, body=ExchangeRatesUpdateSchema, response=ExchangeRatesSchema,
           description="Each rate is units of the reporting currency per 1 unit of `currency`, from `valid_from` "
                       "(default today) on; a rate with the same currency and valid_from is replaced, other stored "
                       "rates stay.")
def set_exchange_rates(body):
    return call("sales", "set_exchange_rates", body.wire()["rates"], actor())
