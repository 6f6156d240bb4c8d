-- The catalog: products, tax categories and rates, price books and prices.
-- Periods (tax rates, prices) are dates with an inclusive valid_to (NULL: open);
-- the periods of one tax category and country, and of one product, currency
-- and price book, never overlap (exclusion constraints on daterange).
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

CREATE TABLE tax_categories (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tax_categories (code, name) VALUES
    ('standard', 'Standard rate'), ('reduced', 'Reduced rate'), ('zero', 'Zero rate');

CREATE TABLE tax_rates (
    id           uuid PRIMARY KEY,
    tax_category text NOT NULL REFERENCES tax_categories (code),
    country      char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    rate         numeric(7,4) NOT NULL CHECK (rate >= 0 AND rate <= 100),
    valid_from   date NOT NULL,
    valid_to     date CHECK (valid_to IS NULL OR valid_to >= valid_from),
    version      integer NOT NULL DEFAULT 1,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tax_rates_no_overlap EXCLUDE USING gist (
        tax_category WITH =, country WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX tax_rates_list ON tax_rates (country, tax_category, valid_from);

CREATE TABLE products (
    id           uuid PRIMARY KEY,
    sku          text NOT NULL,
    name         text NOT NULL,
    description  text,
    family       text,
    unit         text NOT NULL DEFAULT 'each',
    active       boolean NOT NULL DEFAULT true,
    tax_category text NOT NULL REFERENCES tax_categories (code),
    sort_sku     text GENERATED ALWAYS AS (left(lower(sku), 100)) STORED,
    sort_name    text GENERATED ALWAYS AS (left(lower(name), 100)) STORED,
    version      integer NOT NULL DEFAULT 1,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX products_sku_unique ON products (lower(sku));
CREATE INDEX products_by_sku ON products (sort_sku, id);
CREATE INDEX products_by_name ON products (sort_name, id);
CREATE INDEX products_by_created ON products (created_at, id);
CREATE INDEX products_by_updated ON products (updated_at, id);
CREATE INDEX products_family ON products (lower(family));

CREATE TABLE price_books (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    description        text,
    active             boolean NOT NULL DEFAULT true,
    is_standard        boolean NOT NULL DEFAULT false,
    prices_include_tax boolean NOT NULL DEFAULT false,
    sort_name          text GENERATED ALWAYS AS (left(lower(name), 100)) STORED,
    version            integer NOT NULL DEFAULT 1,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (active OR NOT is_standard)
);
CREATE UNIQUE INDEX price_books_name_unique ON price_books (lower(name));
CREATE UNIQUE INDEX price_books_one_standard ON price_books (is_standard) WHERE is_standard;
CREATE INDEX price_books_by_name ON price_books (sort_name, id);
INSERT INTO price_books (id, name, description, is_standard)
VALUES (gen_random_uuid(), 'Standard', 'The list prices; other books fall back to it.', true);

CREATE TABLE prices (
    id            uuid PRIMARY KEY,
    price_book_id uuid NOT NULL REFERENCES price_books (id),
    product_id    uuid NOT NULL REFERENCES products (id),
    currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    unit_price    numeric(24,6) NOT NULL CHECK (unit_price >= 0),
    -- [{"min_quantity": "10", "unit_price": "9.00"}], by min_quantity ascending
    tiers         jsonb NOT NULL DEFAULT '[]',
    valid_from    date NOT NULL,
    valid_to      date CHECK (valid_to IS NULL OR valid_to >= valid_from),
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT prices_no_overlap EXCLUDE USING gist (
        price_book_id WITH =, product_id WITH =, currency WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX prices_list ON prices (price_book_id, product_id, currency, valid_from);
CREATE INDEX prices_product ON prices (product_id);
