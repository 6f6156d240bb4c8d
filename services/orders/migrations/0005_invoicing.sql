-- Invoices, credit notes and payments.
--
-- Numbers are per document kind, series and year (INV-2026-000001,
-- CN-2026-000001), assigned inside the issuing transaction from the row of
-- invoice_series, whose row lock serializes issuers: a number is used by
-- exactly one committed document, and an issue that rolls back gives its
-- number back, so the numbers of a series and year have no gaps.
--
-- An issued invoice is never edited or deleted (it is corrected by a credit
-- note), and credit notes and payments are never changed: triggers refuse it,
-- whatever the client.  What may still change on an issued invoice is its
-- settlement (status, paid and credited totals) and its account (a merge
-- moves it to the surviving account).
CREATE TABLE invoice_series (
    document text NOT NULL CHECK (document IN ('invoice', 'credit_note')),
    series   text NOT NULL,
    year     integer NOT NULL,
    next     integer NOT NULL,
    PRIMARY KEY (document, series, year)
);

CREATE TABLE invoices (
    id                 uuid PRIMARY KEY,
    number             text UNIQUE,
    series             text NOT NULL CHECK (series ~ '^[A-Z][A-Z0-9]{0,9}$'),
    year               integer,
    sequence           integer,
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'issued', 'partly_paid', 'paid', 'overdue', 'void')),
    order_id           uuid NOT NULL REFERENCES orders (id),
    shipment_id        uuid REFERENCES shipments (id),
    account_id         uuid NOT NULL,
    currency           char(3) NOT NULL,
    prices_include_tax boolean NOT NULL,
    net_total          numeric(24,4) NOT NULL,
    tax_total          numeric(24,4) NOT NULL,
    gross_total        numeric(24,4) NOT NULL,
    discount_total     numeric(24,4) NOT NULL,
    tax_lines          jsonb NOT NULL,
    paid_total         numeric(24,4) NOT NULL DEFAULT 0 CHECK (paid_total >= 0),
    credited_total     numeric(24,4) NOT NULL DEFAULT 0 CHECK (credited_total >= 0),
    -- What the customer still owes, and what is owed to the customer (a credit
    -- note on a paid invoice): never both above zero.
    balance            numeric(24,4) GENERATED ALWAYS AS
                       (greatest(gross_total - paid_total - credited_total, 0)) STORED,
    credit_balance     numeric(24,4) GENERATED ALWAYS AS
                       (greatest(paid_total + credited_total - gross_total, 0)) STORED,
    payment_terms_days integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 3650),
    issue_date         date,
    due_date           date,
    billing_address    jsonb,
    customer_reference text,
    notes              text,
    issued_at          timestamptz,
    issued_by          text,
    overdue_at         timestamptz,   -- set once by the overdue sweep
    paid_at            timestamptz,
    voided_at          timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (series, year, sequence),
    CHECK ((status = 'draft') = (number IS NULL)),
    CHECK (status = 'draft' OR (issue_date IS NOT NULL AND due_date IS NOT NULL AND sequence IS NOT NULL))
);
CREATE INDEX invoices_by_created ON invoices (created_at, id);
CREATE INDEX invoices_by_number ON invoices (number, id);
CREATE INDEX invoices_by_due ON invoices (due_date, id);
CREATE INDEX invoices_account ON invoices (account_id, created_at);
CREATE INDEX invoices_order ON invoices (order_id);
CREATE INDEX invoices_shipment ON invoices (shipment_id) WHERE shipment_id IS NOT NULL;
-- What the overdue sweep looks for.
CREATE INDEX invoices_to_mark_overdue ON invoices (due_date)
    WHERE status IN ('issued', 'partly_paid') AND overdue_at IS NULL;

CREATE TABLE invoice_lines (
    id                uuid PRIMARY KEY,
    invoice_id        uuid NOT NULL REFERENCES invoices ON DELETE CASCADE,
    position          integer NOT NULL,
    product_id        uuid,
    sku               text,
    name              text NOT NULL,
    description       text,
    unit              text,
    quantity          numeric(18,4) NOT NULL CHECK (quantity > 0),
    unit_price        numeric(24,6) NOT NULL,
    price_overridden  boolean NOT NULL DEFAULT false,
    discount_percent  numeric(7,4),
    discount_amount   numeric(24,6),
    tax_category      text,
    tax_rate          numeric(7,4) NOT NULL,
    discount_total    numeric(24,4) NOT NULL,
    net_amount        numeric(24,4) NOT NULL,
    tax_amount        numeric(24,4) NOT NULL,
    gross_amount      numeric(24,4) NOT NULL,
    source_line_id    uuid   -- the order line it bills
);
CREATE INDEX invoice_lines_of ON invoice_lines (invoice_id, position);
CREATE INDEX invoice_lines_source ON invoice_lines (source_line_id);

CREATE TABLE credit_notes (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    series             text NOT NULL CHECK (series ~ '^[A-Z][A-Z0-9]{0,9}$'),
    year               integer NOT NULL,
    sequence           integer NOT NULL,
    invoice_id         uuid NOT NULL REFERENCES invoices (id),
    order_id           uuid NOT NULL,
    account_id         uuid NOT NULL,
    return_id          uuid,
    reason             text NOT NULL,
    currency           char(3) NOT NULL,
    prices_include_tax boolean NOT NULL,
    net_total          numeric(24,4) NOT NULL,
    tax_total          numeric(24,4) NOT NULL,
    gross_total        numeric(24,4) NOT NULL,
    discount_total     numeric(24,4) NOT NULL,
    tax_lines          jsonb NOT NULL,
    issue_date         date NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (series, year, sequence)
);
CREATE INDEX credit_notes_by_created ON credit_notes (created_at, id);
CREATE INDEX credit_notes_by_number ON credit_notes (number, id);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);
CREATE INDEX credit_notes_account ON credit_notes (account_id, created_at);
CREATE INDEX credit_notes_return ON credit_notes (return_id) WHERE return_id IS NOT NULL;

CREATE TABLE credit_note_lines (
    id                uuid PRIMARY KEY,
    credit_note_id    uuid NOT NULL REFERENCES credit_notes ON DELETE CASCADE,
    position          integer NOT NULL,
    product_id        uuid,
    sku               text,
    name              text NOT NULL,
    description       text,
    unit              text,
    quantity          numeric(18,4) NOT NULL CHECK (quantity > 0),
    unit_price        numeric(24,6) NOT NULL,
    price_overridden  boolean NOT NULL DEFAULT false,
    discount_percent  numeric(7,4),
    discount_amount   numeric(24,6),
    tax_category      text,
    tax_rate          numeric(7,4) NOT NULL,
    discount_total    numeric(24,4) NOT NULL,
    net_amount        numeric(24,4) NOT NULL,
    tax_amount        numeric(24,4) NOT NULL,
    gross_amount      numeric(24,4) NOT NULL,
    source_line_id    uuid   -- the invoice line it credits
);
CREATE INDEX credit_note_lines_of ON credit_note_lines (credit_note_id, position);
CREATE INDEX credit_note_lines_source ON credit_note_lines (source_line_id);

CREATE TABLE payments (
    id         uuid PRIMARY KEY,
    invoice_id uuid NOT NULL REFERENCES invoices (id),
    amount     numeric(24,4) NOT NULL CHECK (amount > 0),
    currency   char(3) NOT NULL,
    paid_on    date NOT NULL,
    method     text NOT NULL CHECK (method IN ('bank_transfer', 'card', 'cash', 'cheque', 'other')),
    reference  text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_by_created ON payments (created_at, id);
CREATE INDEX payments_by_paid_on ON payments (paid_on, id);
CREATE INDEX payments_invoice ON payments (invoice_id, created_at);

-- Guards ----------------------------------------------------------------------

-- Columns of an issued invoice that may still change: its settlement and its account.
CREATE FUNCTION invoices_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    settlement CONSTANT text[] := ARRAY['status', 'paid_total', 'credited_total', 'balance', 'credit_balance',
                                        'overdue_at', 'paid_at', 'voided_at', 'account_id', 'version',
                                        'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is issued and cannot be deleted; issue a credit note instead', OLD.number
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (NEW.status = 'draft'
            OR (to_jsonb(NEW) - settlement) IS DISTINCT FROM (to_jsonb(OLD) - settlement)) THEN
        RAISE EXCEPTION 'invoice % is issued and cannot be changed; issue a credit note instead', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_guard BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_guard();

-- The lines of an issued invoice never change; a draft's may (and go with it).
CREATE FUNCTION invoice_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent uuid := CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
    issued text;
BEGIN
    SELECT number INTO issued FROM invoices WHERE id = parent AND status <> 'draft';
    IF issued IS NOT NULL OR (TG_OP = 'UPDATE' AND NEW.invoice_id <> OLD.invoice_id) THEN
        RAISE EXCEPTION 'the lines of issued invoice % cannot be changed; issue a credit note instead', issued
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_guard();

-- Credit notes and payments are written once; only a merge moves a credit note's account.
CREATE FUNCTION written_once_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    movable CONSTANT text[] := ARRAY['account_id', 'version', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - movable) IS DISTINCT FROM (to_jsonb(OLD) - movable) THEN
        RAISE EXCEPTION '% rows are never changed or deleted once written', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER credit_notes_guard BEFORE UPDATE OR DELETE ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION written_once_guard();
CREATE TRIGGER credit_note_lines_guard BEFORE UPDATE OR DELETE ON credit_note_lines
    FOR EACH ROW EXECUTE FUNCTION written_once_guard();
CREATE TRIGGER payments_guard BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION written_once_guard();
