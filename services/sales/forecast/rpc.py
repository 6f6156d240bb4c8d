"""Forecast and exchange rates: RPC entrypoints."""

from services.sales.forecast import figures
from services.sales.forecast import rates as exchange_rates
from services.sales.forecast.periods import parse_period
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.sales.forecast import ExchangeRatesUpdateSchema, ForecastQuerySchema


def reporting_currency(config):
    """The currency forecasts and the board report in (config REPORTING_CURRENCY, default EUR)."""
    return str(config.get("REPORTING_CURRENCY") or "EUR").strip().upper()


class ForecastRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def forecast(self, query=None):
        query = load(ForecastQuerySchema(), {} if query is None else query)
        period = parse_period(query["period"])
        with self.db.transaction() as conn:
            return figures.forecast(conn, period, reporting_currency(self.config), query["owner"],
                                    query["pipeline_id"])

    @rpc
    def get_exchange_rates(self):
        with self.db.transaction() as conn:
            return exchange_rates.list_rates(conn, reporting_currency(self.config))

    @rpc
    def set_exchange_rates(self, rates, actor=None):
        data = load(ExchangeRatesUpdateSchema(), {"rates": rates})
        with self.db.transaction() as conn:
            return exchange_rates.set_rates(conn, data["rates"], reporting_currency(self.config), actor)
