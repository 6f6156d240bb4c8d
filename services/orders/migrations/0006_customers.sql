-- Customers: the catch-up of the accounts projection, orders' copy of the
-- exchange rates sales keeps, and the indexes customer value reads through.

-- One row: whether the projection has read every account from sales yet
-- (the first start of the service), and where the paged read stopped, so
-- a restart resumes it instead of starting over.
CREATE TABLE customers_sync (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    cursor     text,
    pages      integer NOT NULL DEFAULT 0,
    accounts   integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    done_at    timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers_sync DEFAULT VALUES;

-- Exchange rates as sales keeps them (services/sales/forecast/rates.py): how
-- many units of ``base_currency`` (sales' reporting currency) one unit of
-- ``currency`` is worth from ``valid_from`` on.  Replaced as a whole on
-- every refresh; customer value converts to orders' REPORTING_CURRENCY
-- through them (a cross rate when the two reporting currencies differ).
CREATE TABLE exchange_rates (
    currency   char(3) NOT NULL,
    valid_from date NOT NULL,
    rate       numeric NOT NULL CHECK (rate > 0),
    PRIMARY KEY (currency, valid_from)
);
CREATE TABLE exchange_rates_source (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    base_currency char(3),
    refreshed_at  timestamptz
);
INSERT INTO exchange_rates_source DEFAULT VALUES;

-- Customer value reads an account's orders through this index alone
-- (index-only: the columns it sums are in the index).
CREATE INDEX orders_account_value ON orders (account_id) INCLUDE (status, currency, net_total, placed_at);
