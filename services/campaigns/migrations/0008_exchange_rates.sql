-- Sales' exchange rates, so that an account's money signals (open_pipeline,
-- lifetime_revenue) are in sales' reporting currency instead of sums across
-- currencies (services/campaigns/people/rates.py keeps them current).
--
-- exchange_rates         as sales keeps them (sales.get_exchange_rates): how many
--                        units of the base currency (sales' reporting currency)
--                        one unit of ``currency`` is worth from ``valid_from`` on;
--                        replaced as a whole when sales' differ
-- exchange_rates_source  one row: the base currency (NULL until sales first
--                        answered), when sales last answered and when the rates
--                        last changed, and the day "today's rate" was last taken
-- rates_recompute        the accounts whose signals a change of the rates (or of
--                        the day) calls for recomputing, taken in batches
CREATE TABLE exchange_rates (
    currency   char(3) NOT NULL,
    valid_from date NOT NULL,
    rate       numeric NOT NULL CHECK (rate > 0),
    PRIMARY KEY (currency, valid_from)
);

CREATE TABLE exchange_rates_source (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    base_currency  char(3),
    refreshed_at   timestamptz,
    changed_at     timestamptz,
    rates_day      date
);
INSERT INTO exchange_rates_source DEFAULT VALUES;

CREATE TABLE rates_recompute (
    account_id  uuid PRIMARY KEY
);

-- An amount in the base currency: itself when its currency is the base,
-- else times the rate in force on ``on_day`` (today when NULL): the one with
-- the latest valid_from on or before that day, else the currency's earliest
-- (as sales chooses).  NULL when no base is known yet, the currency is
-- missing or has no rate: sum() leaves such amounts out.
CREATE FUNCTION in_base_currency(amount numeric, amount_currency char(3), on_day date) RETURNS numeric
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
               WHEN s.base_currency IS NULL OR amount_currency IS NULL THEN NULL
               WHEN upper(amount_currency) = s.base_currency THEN amount
               ELSE amount * coalesce(
                   (SELECT r.rate FROM exchange_rates r
                     WHERE r.currency = upper(amount_currency) AND r.valid_from <= coalesce(on_day, current_date)
                     ORDER BY r.valid_from DESC LIMIT 1),
                   (SELECT r.rate FROM exchange_rates r
                     WHERE r.currency = upper(amount_currency)
                     ORDER BY r.valid_from LIMIT 1))
           END
      FROM exchange_rates_source s;
END;
