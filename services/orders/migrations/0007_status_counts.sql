-- The status counts beside the quotes and invoices lists: one GROUP BY status
-- each, answered from these indexes (orders have orders_status already).
-- Quotes count live revisions unless include_superseded is asked for.
CREATE INDEX quotes_status ON quotes (status) WHERE superseded_by IS NULL;
-- due_date too: the same scan counts the overdue ones.
CREATE INDEX invoices_status ON invoices (status, due_date);
